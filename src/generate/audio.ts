/**
 * Audio generators for the speech and transcription endpoints: pure functions of their inputs and
 * a seed, no HTTP. Implementations live in ./audio/.
 */
export { synthesizeSpeech, supportedSpeechFormats, UnsupportedAudioFormatError, SPEECH_FORMATS } from './audio/speech.ts';
export type { SpeechFormat, SpeechAudio, SpeechOptions } from './audio/speech.ts';
export { SPEECH_SAMPLE_RATE, speechDurationSeconds, MIN_SPEED, MAX_SPEED } from './audio/voice.ts';
export { probeAudioDuration } from './audio/probe.ts';
export { buildTranscript } from './audio/transcript.ts';
export type { Transcript, TranscriptSegment, TranscriptWord, TranscriptOptions } from './audio/transcript.ts';
export { toSrt, toVtt } from './audio/subtitles.ts';
export { languageName } from './audio/languages.ts';
