import type OpenAI from 'openai';

/** The weather tool of the OpenAI docs, as tests declare it. */
export const weatherTool: OpenAI.ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
      required: ['location'],
      additionalProperties: false,
    },
  },
};
