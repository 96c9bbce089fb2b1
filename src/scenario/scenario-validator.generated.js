// GENERATED FILE, DO NOT EDIT. The scenario JSON Schema (src/scenario/schema.ts) compiled by ajv's
// standalone code generation (src/scenario/validator-source.ts). Regenerate after changing the schema
// or upgrading ajv: npm run gen:validator (npx tsx scripts/gen-scenario-validator.ts).
// test/unit/scenario-validator.test.ts fails while this file is stale.
import ajvRuntimeModule_ucs2length from 'ajv/dist/runtime/ucs2length.js';
const ajvRuntime_ucs2length = ajvRuntimeModule_ucs2length.__esModule ? ajvRuntimeModule_ucs2length.default : ajvRuntimeModule_ucs2length;
export const validate = validate0;
export default validate0;
const schema0 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://routstr-mock.dev/schema/scenario-v1.json","title":"routstr-mock scenario","type":"object","additionalProperties":false,"required":["version"],"properties":{"$schema":{"type":"string"},"version":{"const":1},"name":{"type":"string"},"description":{"type":"string"},"extends":{"enum":["default","none"],"description":"Sections not set come from the default scenario unless this is \"none\"."},"seed":{"type":"integer","minimum":0,"maximum":4294967295},"node":{"type":"object","additionalProperties":false,"properties":{"name":{"type":"string"},"description":{"type":"string"},"version":{"type":"string","pattern":"^\\d+\\.\\d+\\.\\d+"},"npub":{"type":"string"},"mints":{"type":"array","items":{"type":"string","minLength":1}},"http_url":{"type":"string"},"onion_url":{"type":"string"},"child_key_cost_msats":{"type":"integer","minimum":0,"maximum":1099511627776}}},"btc_usd":{"type":"number","exclusiveMinimum":0,"maximum":1000000000000},"models":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["id"],"properties":{"id":{"type":"string","minLength":1,"description":"Model id clients send, e.g. gpt-4o-mini."},"name":{"type":"string"},"description":{"type":"string"},"kind":{"enum":["chat","embedding","image","transcription","speech"],"default":"chat"},"created":{"type":"integer","minimum":0},"owned_by":{"type":"string"},"sats_per_million_tokens":{"type":"object","additionalProperties":false,"required":["prompt","completion"],"properties":{"prompt":{"type":"number","minimum":0,"maximum":1000000000},"completion":{"type":"number","minimum":0,"maximum":1000000000}}},"context_length":{"type":"integer","minimum":1,"maximum":100000000},"max_completion_tokens":{"type":"integer","minimum":1,"maximum":100000000},"dimensions":{"type":"integer","minimum":1,"maximum":16384,"description":"Embedding models: vector size."},"tokenizer":{"enum":["cl100k_base","o200k_base"]},"aliases":{"type":"array","items":{"type":"string","minLength":1}}}}},"keys":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["key","balance_msats"],"properties":{"key":{"type":"string","pattern":"^sk-.+","description":"API key clients send as Bearer."},"balance_msats":{"type":"integer","minimum":0,"maximum":1099511627776,"description":"Starting balance in millisats (at most 2^40, what the node holds exactly)."}}}},"stream":{"type":"object","additionalProperties":false,"properties":{"ttft_ms":{"type":"integer","minimum":0,"maximum":2147483647},"tokens_per_second":{"type":"number","minimum":0},"chunk_tokens":{"type":"integer","minimum":1},"jitter":{"type":"number","minimum":0,"maximum":1},"usage_chunk":{"enum":["always","requested"]},"client_timeout_ms":{"type":"integer","minimum":1,"maximum":2147483647}}},"rules":{"type":"array","items":{"type":"object","additionalProperties":false,"properties":{"name":{"type":"string"},"when":{"type":"object","additionalProperties":false,"properties":{"path":{"type":"string","minLength":1,"description":"Request path, with or without /v1 (e.g. /chat/completions), or /regex/."},"method":{"type":"string","minLength":1},"model":{"type":"string","minLength":1,"description":"Model id (case-insensitive) or /regex/."},"key":{"type":"string","minLength":1,"description":"The Bearer credential or X-Cashu token, exactly, or /regex/."},"header":{"type":"object","additionalProperties":{"type":"string","minLength":1},"description":"Header name → exact value or /regex/."},"stream":{"type":"boolean"},"message":{"type":"string","minLength":1,"description":"Last user message: case-insensitive substring or /regex/."},"system":{"type":"string","minLength":1,"description":"System prompt: case-insensitive substring or /regex/."},"tools":{"type":"array","items":{"type":"string","minLength":1},"description":"Tool names that must all be declared."},"tool_result":{"type":"boolean","description":"The request carries a tool result message."},"nth":{"description":"The Nth matching request, or every/first/after counters.","oneOf":[{"type":"integer","minimum":1},{"type":"object","additionalProperties":false,"minProperties":1,"properties":{"every":{"type":"integer","minimum":1},"first":{"type":"integer","minimum":1},"after":{"type":"integer","minimum":0}}}]},"probability":{"type":"number","minimum":0,"maximum":1,"description":"Seeded: the same seed gives the same decisions."},"window":{"type":"object","additionalProperties":false,"properties":{"from_ms":{"type":"integer","minimum":0},"until_ms":{"type":"integer","minimum":0}},"description":"Time window in ms since the scenario was loaded."},"fingerprint":{"type":"string","pattern":"^(?:messages|input|tools|format|params)=(?:[0-9a-f]{8}|-)(?: (?:messages|input|tools|format|params)=(?:[0-9a-f]{8}|-))*$","description":"The normalised request key `routstr-mock record` writes: `messages=<hash> tools=<hash> format=<hash> params=<hash>` (chat) or `input=<hash> params=<hash>`; `-` for an absent part. Parts left out are not compared."}}},"reply":{"type":"object","additionalProperties":false,"properties":{"content":{"type":"string"},"tool_calls":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"type":"string","minLength":1},"arguments":{}}}},"finish_reason":{"enum":["stop","length","tool_calls","content_filter"]},"usage":{"type":"object","additionalProperties":false,"properties":{"prompt_tokens":{"type":"integer","minimum":0,"maximum":100000000},"completion_tokens":{"type":"integer","minimum":0,"maximum":100000000}}},"embedding":{"type":"array","items":{"type":"number"},"minItems":1,"maxItems":16384},"delay_ms":{"type":"integer","minimum":0,"maximum":2147483647},"stream":{"type":"object","additionalProperties":false,"properties":{"ttft_ms":{"type":"integer","minimum":0,"maximum":2147483647},"tokens_per_second":{"type":"number","minimum":0},"chunk_tokens":{"type":"integer","minimum":1},"jitter":{"type":"number","minimum":0,"maximum":1}}},"recorded":{"type":"object","additionalProperties":false,"required":["status"],"description":"A recorded answer (routstr-mock record), replayed as it was: a JSON or text `body`, or the `events` of a stream. No other reply key goes with it.","properties":{"status":{"type":"integer","minimum":200,"maximum":599},"headers":{"type":"object","propertyNames":{"pattern":"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},"additionalProperties":{"type":"string","pattern":"^[\\t\\x20-\\x7e\\x80-\\xff]*$"}},"body":{"description":"JSON (as YAML) or text."},"events":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["at_ms","data"],"properties":{"at_ms":{"type":"number","minimum":0,"maximum":2147483647,"description":"When the event came, in ms from the request (divided by --replay-speed)."},"data":{"description":"The event's data: JSON (as YAML) where it parsed, else text such as [DONE]."}}}},"disconnect":{"type":"boolean","description":"The connection dropped after the last event."}}}}},"fault":{"type":"object","additionalProperties":false,"required":["type"],"properties":{"type":{"enum":["insufficient_balance","rate_limit","timeout","upstream_error","invalid_api_key","key_expired","invalid_model","disconnect","malformed","stream_error","status"]},"after_chunks":{"type":"integer","minimum":0},"retry_after_s":{"type":"number","minimum":0},"retry_after_ms":{"type":"number","minimum":0},"mode":{"enum":["hang","delay"]},"delay_ms":{"type":"integer","minimum":0,"maximum":2147483647},"status":{"type":"integer","minimum":200,"maximum":599},"message":{"type":"string"},"code":{"type":"string"},"body":{},"headers":{"type":"object","propertyNames":{"pattern":"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},"additionalProperties":{"type":"string","pattern":"^[\\t\\x20-\\x7e\\x80-\\xff]*$"}}}},"times":{"type":"integer","minimum":1},"per":{"enum":["global","key","session"]}}}},"limits":{"type":"object","additionalProperties":false,"minProperties":1,"properties":{"rpm":{"type":"integer","minimum":1},"tpm":{"type":"integer","minimum":1}}}}};
const func0 = Object.prototype.hasOwnProperty;
const func1 = ajvRuntime_ucs2length;
const pattern0 = new RegExp("^\\d+\\.\\d+\\.\\d+", "u");
const pattern1 = new RegExp("^sk-.+", "u");
const pattern2 = new RegExp("^(?:messages|input|tools|format|params)=(?:[0-9a-f]{8}|-)(?: (?:messages|input|tools|format|params)=(?:[0-9a-f]{8}|-))*$", "u");
const pattern3 = new RegExp("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", "u");
const pattern4 = new RegExp("^[\\t\\x20-\\x7e\\x80-\\xff]*$", "u");

function validate0(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://routstr-mock.dev/schema/scenario-v1.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate0.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.version === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "version"},message:"must have required property '"+"version"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(func0.call(schema0.properties, key0))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.$schema !== undefined){
if(typeof data.$schema !== "string"){
const err2 = {instancePath:instancePath+"/$schema",schemaPath:"#/properties/%24schema/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.version !== undefined){
if(1 !== data.version){
const err3 = {instancePath:instancePath+"/version",schemaPath:"#/properties/version/const",keyword:"const",params:{allowedValue: 1},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.name !== undefined){
if(typeof data.name !== "string"){
const err4 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.description !== undefined){
if(typeof data.description !== "string"){
const err5 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.extends !== undefined){
let data4 = data.extends;
if(!((data4 === "default") || (data4 === "none"))){
const err6 = {instancePath:instancePath+"/extends",schemaPath:"#/properties/extends/enum",keyword:"enum",params:{allowedValues: schema0.properties.extends.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.seed !== undefined){
let data5 = data.seed;
if(!((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5)))){
const err7 = {instancePath:instancePath+"/seed",schemaPath:"#/properties/seed/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(typeof data5 == "number"){
if(data5 > 4294967295 || isNaN(data5)){
const err8 = {instancePath:instancePath+"/seed",schemaPath:"#/properties/seed/maximum",keyword:"maximum",params:{comparison: "<=", limit: 4294967295},message:"must be <= 4294967295"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
if(data5 < 0 || isNaN(data5)){
const err9 = {instancePath:instancePath+"/seed",schemaPath:"#/properties/seed/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
if(data.node !== undefined){
let data6 = data.node;
if(data6 && typeof data6 == "object" && !Array.isArray(data6)){
for(const key1 in data6){
if(!((((((((key1 === "name") || (key1 === "description")) || (key1 === "version")) || (key1 === "npub")) || (key1 === "mints")) || (key1 === "http_url")) || (key1 === "onion_url")) || (key1 === "child_key_cost_msats"))){
const err10 = {instancePath:instancePath+"/node",schemaPath:"#/properties/node/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data6.name !== undefined){
if(typeof data6.name !== "string"){
const err11 = {instancePath:instancePath+"/node/name",schemaPath:"#/properties/node/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data6.description !== undefined){
if(typeof data6.description !== "string"){
const err12 = {instancePath:instancePath+"/node/description",schemaPath:"#/properties/node/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data6.version !== undefined){
let data9 = data6.version;
if(typeof data9 === "string"){
if(!pattern0.test(data9)){
const err13 = {instancePath:instancePath+"/node/version",schemaPath:"#/properties/node/properties/version/pattern",keyword:"pattern",params:{pattern: "^\\d+\\.\\d+\\.\\d+"},message:"must match pattern \""+"^\\d+\\.\\d+\\.\\d+"+"\""};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/node/version",schemaPath:"#/properties/node/properties/version/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data6.npub !== undefined){
if(typeof data6.npub !== "string"){
const err15 = {instancePath:instancePath+"/node/npub",schemaPath:"#/properties/node/properties/npub/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data6.mints !== undefined){
let data11 = data6.mints;
if(Array.isArray(data11)){
const len0 = data11.length;
for(let i0=0; i0<len0; i0++){
let data12 = data11[i0];
if(typeof data12 === "string"){
if(func1(data12) < 1){
const err16 = {instancePath:instancePath+"/node/mints/" + i0,schemaPath:"#/properties/node/properties/mints/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/node/mints/" + i0,schemaPath:"#/properties/node/properties/mints/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
}
else {
const err18 = {instancePath:instancePath+"/node/mints",schemaPath:"#/properties/node/properties/mints/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data6.http_url !== undefined){
if(typeof data6.http_url !== "string"){
const err19 = {instancePath:instancePath+"/node/http_url",schemaPath:"#/properties/node/properties/http_url/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data6.onion_url !== undefined){
if(typeof data6.onion_url !== "string"){
const err20 = {instancePath:instancePath+"/node/onion_url",schemaPath:"#/properties/node/properties/onion_url/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data6.child_key_cost_msats !== undefined){
let data15 = data6.child_key_cost_msats;
if(!((typeof data15 == "number") && (!(data15 % 1) && !isNaN(data15)))){
const err21 = {instancePath:instancePath+"/node/child_key_cost_msats",schemaPath:"#/properties/node/properties/child_key_cost_msats/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
if(typeof data15 == "number"){
if(data15 > 1099511627776 || isNaN(data15)){
const err22 = {instancePath:instancePath+"/node/child_key_cost_msats",schemaPath:"#/properties/node/properties/child_key_cost_msats/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1099511627776},message:"must be <= 1099511627776"};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
if(data15 < 0 || isNaN(data15)){
const err23 = {instancePath:instancePath+"/node/child_key_cost_msats",schemaPath:"#/properties/node/properties/child_key_cost_msats/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
}
else {
const err24 = {instancePath:instancePath+"/node",schemaPath:"#/properties/node/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data.btc_usd !== undefined){
let data16 = data.btc_usd;
if(typeof data16 == "number"){
if(data16 > 1000000000000 || isNaN(data16)){
const err25 = {instancePath:instancePath+"/btc_usd",schemaPath:"#/properties/btc_usd/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1000000000000},message:"must be <= 1000000000000"};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
if(data16 <= 0 || isNaN(data16)){
const err26 = {instancePath:instancePath+"/btc_usd",schemaPath:"#/properties/btc_usd/exclusiveMinimum",keyword:"exclusiveMinimum",params:{comparison: ">", limit: 0},message:"must be > 0"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
else {
const err27 = {instancePath:instancePath+"/btc_usd",schemaPath:"#/properties/btc_usd/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data.models !== undefined){
let data17 = data.models;
if(Array.isArray(data17)){
const len1 = data17.length;
for(let i1=0; i1<len1; i1++){
let data18 = data17[i1];
if(data18 && typeof data18 == "object" && !Array.isArray(data18)){
if(data18.id === undefined){
const err28 = {instancePath:instancePath+"/models/" + i1,schemaPath:"#/properties/models/items/required",keyword:"required",params:{missingProperty: "id"},message:"must have required property '"+"id"+"'"};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
for(const key2 in data18){
if(!(func0.call(schema0.properties.models.items.properties, key2))){
const err29 = {instancePath:instancePath+"/models/" + i1,schemaPath:"#/properties/models/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
if(data18.id !== undefined){
let data19 = data18.id;
if(typeof data19 === "string"){
if(func1(data19) < 1){
const err30 = {instancePath:instancePath+"/models/" + i1+"/id",schemaPath:"#/properties/models/items/properties/id/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
else {
const err31 = {instancePath:instancePath+"/models/" + i1+"/id",schemaPath:"#/properties/models/items/properties/id/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
if(data18.name !== undefined){
if(typeof data18.name !== "string"){
const err32 = {instancePath:instancePath+"/models/" + i1+"/name",schemaPath:"#/properties/models/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
if(data18.description !== undefined){
if(typeof data18.description !== "string"){
const err33 = {instancePath:instancePath+"/models/" + i1+"/description",schemaPath:"#/properties/models/items/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
if(data18.kind !== undefined){
let data22 = data18.kind;
if(!(((((data22 === "chat") || (data22 === "embedding")) || (data22 === "image")) || (data22 === "transcription")) || (data22 === "speech"))){
const err34 = {instancePath:instancePath+"/models/" + i1+"/kind",schemaPath:"#/properties/models/items/properties/kind/enum",keyword:"enum",params:{allowedValues: schema0.properties.models.items.properties.kind.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data18.created !== undefined){
let data23 = data18.created;
if(!((typeof data23 == "number") && (!(data23 % 1) && !isNaN(data23)))){
const err35 = {instancePath:instancePath+"/models/" + i1+"/created",schemaPath:"#/properties/models/items/properties/created/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
if(typeof data23 == "number"){
if(data23 < 0 || isNaN(data23)){
const err36 = {instancePath:instancePath+"/models/" + i1+"/created",schemaPath:"#/properties/models/items/properties/created/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
}
if(data18.owned_by !== undefined){
if(typeof data18.owned_by !== "string"){
const err37 = {instancePath:instancePath+"/models/" + i1+"/owned_by",schemaPath:"#/properties/models/items/properties/owned_by/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
if(data18.sats_per_million_tokens !== undefined){
let data25 = data18.sats_per_million_tokens;
if(data25 && typeof data25 == "object" && !Array.isArray(data25)){
if(data25.prompt === undefined){
const err38 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/required",keyword:"required",params:{missingProperty: "prompt"},message:"must have required property '"+"prompt"+"'"};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
if(data25.completion === undefined){
const err39 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/required",keyword:"required",params:{missingProperty: "completion"},message:"must have required property '"+"completion"+"'"};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
for(const key3 in data25){
if(!((key3 === "prompt") || (key3 === "completion"))){
const err40 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
if(data25.prompt !== undefined){
let data26 = data25.prompt;
if(typeof data26 == "number"){
if(data26 > 1000000000 || isNaN(data26)){
const err41 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens/prompt",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/properties/prompt/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1000000000},message:"must be <= 1000000000"};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
if(data26 < 0 || isNaN(data26)){
const err42 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens/prompt",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/properties/prompt/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
else {
const err43 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens/prompt",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/properties/prompt/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
if(data25.completion !== undefined){
let data27 = data25.completion;
if(typeof data27 == "number"){
if(data27 > 1000000000 || isNaN(data27)){
const err44 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens/completion",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/properties/completion/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1000000000},message:"must be <= 1000000000"};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
if(data27 < 0 || isNaN(data27)){
const err45 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens/completion",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/properties/completion/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
else {
const err46 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens/completion",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/properties/completion/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
}
else {
const err47 = {instancePath:instancePath+"/models/" + i1+"/sats_per_million_tokens",schemaPath:"#/properties/models/items/properties/sats_per_million_tokens/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
if(data18.context_length !== undefined){
let data28 = data18.context_length;
if(!((typeof data28 == "number") && (!(data28 % 1) && !isNaN(data28)))){
const err48 = {instancePath:instancePath+"/models/" + i1+"/context_length",schemaPath:"#/properties/models/items/properties/context_length/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
if(typeof data28 == "number"){
if(data28 > 100000000 || isNaN(data28)){
const err49 = {instancePath:instancePath+"/models/" + i1+"/context_length",schemaPath:"#/properties/models/items/properties/context_length/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100000000},message:"must be <= 100000000"};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
if(data28 < 1 || isNaN(data28)){
const err50 = {instancePath:instancePath+"/models/" + i1+"/context_length",schemaPath:"#/properties/models/items/properties/context_length/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
}
}
if(data18.max_completion_tokens !== undefined){
let data29 = data18.max_completion_tokens;
if(!((typeof data29 == "number") && (!(data29 % 1) && !isNaN(data29)))){
const err51 = {instancePath:instancePath+"/models/" + i1+"/max_completion_tokens",schemaPath:"#/properties/models/items/properties/max_completion_tokens/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
if(typeof data29 == "number"){
if(data29 > 100000000 || isNaN(data29)){
const err52 = {instancePath:instancePath+"/models/" + i1+"/max_completion_tokens",schemaPath:"#/properties/models/items/properties/max_completion_tokens/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100000000},message:"must be <= 100000000"};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
if(data29 < 1 || isNaN(data29)){
const err53 = {instancePath:instancePath+"/models/" + i1+"/max_completion_tokens",schemaPath:"#/properties/models/items/properties/max_completion_tokens/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
}
if(data18.dimensions !== undefined){
let data30 = data18.dimensions;
if(!((typeof data30 == "number") && (!(data30 % 1) && !isNaN(data30)))){
const err54 = {instancePath:instancePath+"/models/" + i1+"/dimensions",schemaPath:"#/properties/models/items/properties/dimensions/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
if(typeof data30 == "number"){
if(data30 > 16384 || isNaN(data30)){
const err55 = {instancePath:instancePath+"/models/" + i1+"/dimensions",schemaPath:"#/properties/models/items/properties/dimensions/maximum",keyword:"maximum",params:{comparison: "<=", limit: 16384},message:"must be <= 16384"};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
if(data30 < 1 || isNaN(data30)){
const err56 = {instancePath:instancePath+"/models/" + i1+"/dimensions",schemaPath:"#/properties/models/items/properties/dimensions/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
}
}
if(data18.tokenizer !== undefined){
let data31 = data18.tokenizer;
if(!((data31 === "cl100k_base") || (data31 === "o200k_base"))){
const err57 = {instancePath:instancePath+"/models/" + i1+"/tokenizer",schemaPath:"#/properties/models/items/properties/tokenizer/enum",keyword:"enum",params:{allowedValues: schema0.properties.models.items.properties.tokenizer.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
if(data18.aliases !== undefined){
let data32 = data18.aliases;
if(Array.isArray(data32)){
const len2 = data32.length;
for(let i2=0; i2<len2; i2++){
let data33 = data32[i2];
if(typeof data33 === "string"){
if(func1(data33) < 1){
const err58 = {instancePath:instancePath+"/models/" + i1+"/aliases/" + i2,schemaPath:"#/properties/models/items/properties/aliases/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
}
else {
const err59 = {instancePath:instancePath+"/models/" + i1+"/aliases/" + i2,schemaPath:"#/properties/models/items/properties/aliases/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
}
}
else {
const err60 = {instancePath:instancePath+"/models/" + i1+"/aliases",schemaPath:"#/properties/models/items/properties/aliases/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
}
}
else {
const err61 = {instancePath:instancePath+"/models/" + i1,schemaPath:"#/properties/models/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
}
}
else {
const err62 = {instancePath:instancePath+"/models",schemaPath:"#/properties/models/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
}
if(data.keys !== undefined){
let data34 = data.keys;
if(Array.isArray(data34)){
const len3 = data34.length;
for(let i3=0; i3<len3; i3++){
let data35 = data34[i3];
if(data35 && typeof data35 == "object" && !Array.isArray(data35)){
if(data35.key === undefined){
const err63 = {instancePath:instancePath+"/keys/" + i3,schemaPath:"#/properties/keys/items/required",keyword:"required",params:{missingProperty: "key"},message:"must have required property '"+"key"+"'"};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
if(data35.balance_msats === undefined){
const err64 = {instancePath:instancePath+"/keys/" + i3,schemaPath:"#/properties/keys/items/required",keyword:"required",params:{missingProperty: "balance_msats"},message:"must have required property '"+"balance_msats"+"'"};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
for(const key4 in data35){
if(!((key4 === "key") || (key4 === "balance_msats"))){
const err65 = {instancePath:instancePath+"/keys/" + i3,schemaPath:"#/properties/keys/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
}
if(data35.key !== undefined){
let data36 = data35.key;
if(typeof data36 === "string"){
if(!pattern1.test(data36)){
const err66 = {instancePath:instancePath+"/keys/" + i3+"/key",schemaPath:"#/properties/keys/items/properties/key/pattern",keyword:"pattern",params:{pattern: "^sk-.+"},message:"must match pattern \""+"^sk-.+"+"\""};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
}
}
else {
const err67 = {instancePath:instancePath+"/keys/" + i3+"/key",schemaPath:"#/properties/keys/items/properties/key/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err67];
}
else {
vErrors.push(err67);
}
errors++;
}
}
if(data35.balance_msats !== undefined){
let data37 = data35.balance_msats;
if(!((typeof data37 == "number") && (!(data37 % 1) && !isNaN(data37)))){
const err68 = {instancePath:instancePath+"/keys/" + i3+"/balance_msats",schemaPath:"#/properties/keys/items/properties/balance_msats/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err68];
}
else {
vErrors.push(err68);
}
errors++;
}
if(typeof data37 == "number"){
if(data37 > 1099511627776 || isNaN(data37)){
const err69 = {instancePath:instancePath+"/keys/" + i3+"/balance_msats",schemaPath:"#/properties/keys/items/properties/balance_msats/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1099511627776},message:"must be <= 1099511627776"};
if(vErrors === null){
vErrors = [err69];
}
else {
vErrors.push(err69);
}
errors++;
}
if(data37 < 0 || isNaN(data37)){
const err70 = {instancePath:instancePath+"/keys/" + i3+"/balance_msats",schemaPath:"#/properties/keys/items/properties/balance_msats/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err70];
}
else {
vErrors.push(err70);
}
errors++;
}
}
}
}
else {
const err71 = {instancePath:instancePath+"/keys/" + i3,schemaPath:"#/properties/keys/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err71];
}
else {
vErrors.push(err71);
}
errors++;
}
}
}
else {
const err72 = {instancePath:instancePath+"/keys",schemaPath:"#/properties/keys/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err72];
}
else {
vErrors.push(err72);
}
errors++;
}
}
if(data.stream !== undefined){
let data38 = data.stream;
if(data38 && typeof data38 == "object" && !Array.isArray(data38)){
for(const key5 in data38){
if(!((((((key5 === "ttft_ms") || (key5 === "tokens_per_second")) || (key5 === "chunk_tokens")) || (key5 === "jitter")) || (key5 === "usage_chunk")) || (key5 === "client_timeout_ms"))){
const err73 = {instancePath:instancePath+"/stream",schemaPath:"#/properties/stream/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err73];
}
else {
vErrors.push(err73);
}
errors++;
}
}
if(data38.ttft_ms !== undefined){
let data39 = data38.ttft_ms;
if(!((typeof data39 == "number") && (!(data39 % 1) && !isNaN(data39)))){
const err74 = {instancePath:instancePath+"/stream/ttft_ms",schemaPath:"#/properties/stream/properties/ttft_ms/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err74];
}
else {
vErrors.push(err74);
}
errors++;
}
if(typeof data39 == "number"){
if(data39 > 2147483647 || isNaN(data39)){
const err75 = {instancePath:instancePath+"/stream/ttft_ms",schemaPath:"#/properties/stream/properties/ttft_ms/maximum",keyword:"maximum",params:{comparison: "<=", limit: 2147483647},message:"must be <= 2147483647"};
if(vErrors === null){
vErrors = [err75];
}
else {
vErrors.push(err75);
}
errors++;
}
if(data39 < 0 || isNaN(data39)){
const err76 = {instancePath:instancePath+"/stream/ttft_ms",schemaPath:"#/properties/stream/properties/ttft_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err76];
}
else {
vErrors.push(err76);
}
errors++;
}
}
}
if(data38.tokens_per_second !== undefined){
let data40 = data38.tokens_per_second;
if(typeof data40 == "number"){
if(data40 < 0 || isNaN(data40)){
const err77 = {instancePath:instancePath+"/stream/tokens_per_second",schemaPath:"#/properties/stream/properties/tokens_per_second/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err77];
}
else {
vErrors.push(err77);
}
errors++;
}
}
else {
const err78 = {instancePath:instancePath+"/stream/tokens_per_second",schemaPath:"#/properties/stream/properties/tokens_per_second/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err78];
}
else {
vErrors.push(err78);
}
errors++;
}
}
if(data38.chunk_tokens !== undefined){
let data41 = data38.chunk_tokens;
if(!((typeof data41 == "number") && (!(data41 % 1) && !isNaN(data41)))){
const err79 = {instancePath:instancePath+"/stream/chunk_tokens",schemaPath:"#/properties/stream/properties/chunk_tokens/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err79];
}
else {
vErrors.push(err79);
}
errors++;
}
if(typeof data41 == "number"){
if(data41 < 1 || isNaN(data41)){
const err80 = {instancePath:instancePath+"/stream/chunk_tokens",schemaPath:"#/properties/stream/properties/chunk_tokens/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err80];
}
else {
vErrors.push(err80);
}
errors++;
}
}
}
if(data38.jitter !== undefined){
let data42 = data38.jitter;
if(typeof data42 == "number"){
if(data42 > 1 || isNaN(data42)){
const err81 = {instancePath:instancePath+"/stream/jitter",schemaPath:"#/properties/stream/properties/jitter/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1},message:"must be <= 1"};
if(vErrors === null){
vErrors = [err81];
}
else {
vErrors.push(err81);
}
errors++;
}
if(data42 < 0 || isNaN(data42)){
const err82 = {instancePath:instancePath+"/stream/jitter",schemaPath:"#/properties/stream/properties/jitter/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err82];
}
else {
vErrors.push(err82);
}
errors++;
}
}
else {
const err83 = {instancePath:instancePath+"/stream/jitter",schemaPath:"#/properties/stream/properties/jitter/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err83];
}
else {
vErrors.push(err83);
}
errors++;
}
}
if(data38.usage_chunk !== undefined){
let data43 = data38.usage_chunk;
if(!((data43 === "always") || (data43 === "requested"))){
const err84 = {instancePath:instancePath+"/stream/usage_chunk",schemaPath:"#/properties/stream/properties/usage_chunk/enum",keyword:"enum",params:{allowedValues: schema0.properties.stream.properties.usage_chunk.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err84];
}
else {
vErrors.push(err84);
}
errors++;
}
}
if(data38.client_timeout_ms !== undefined){
let data44 = data38.client_timeout_ms;
if(!((typeof data44 == "number") && (!(data44 % 1) && !isNaN(data44)))){
const err85 = {instancePath:instancePath+"/stream/client_timeout_ms",schemaPath:"#/properties/stream/properties/client_timeout_ms/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err85];
}
else {
vErrors.push(err85);
}
errors++;
}
if(typeof data44 == "number"){
if(data44 > 2147483647 || isNaN(data44)){
const err86 = {instancePath:instancePath+"/stream/client_timeout_ms",schemaPath:"#/properties/stream/properties/client_timeout_ms/maximum",keyword:"maximum",params:{comparison: "<=", limit: 2147483647},message:"must be <= 2147483647"};
if(vErrors === null){
vErrors = [err86];
}
else {
vErrors.push(err86);
}
errors++;
}
if(data44 < 1 || isNaN(data44)){
const err87 = {instancePath:instancePath+"/stream/client_timeout_ms",schemaPath:"#/properties/stream/properties/client_timeout_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err87];
}
else {
vErrors.push(err87);
}
errors++;
}
}
}
}
else {
const err88 = {instancePath:instancePath+"/stream",schemaPath:"#/properties/stream/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err88];
}
else {
vErrors.push(err88);
}
errors++;
}
}
if(data.rules !== undefined){
let data45 = data.rules;
if(Array.isArray(data45)){
const len4 = data45.length;
for(let i4=0; i4<len4; i4++){
let data46 = data45[i4];
if(data46 && typeof data46 == "object" && !Array.isArray(data46)){
for(const key6 in data46){
if(!((((((key6 === "name") || (key6 === "when")) || (key6 === "reply")) || (key6 === "fault")) || (key6 === "times")) || (key6 === "per"))){
const err89 = {instancePath:instancePath+"/rules/" + i4,schemaPath:"#/properties/rules/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err89];
}
else {
vErrors.push(err89);
}
errors++;
}
}
if(data46.name !== undefined){
if(typeof data46.name !== "string"){
const err90 = {instancePath:instancePath+"/rules/" + i4+"/name",schemaPath:"#/properties/rules/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err90];
}
else {
vErrors.push(err90);
}
errors++;
}
}
if(data46.when !== undefined){
let data48 = data46.when;
if(data48 && typeof data48 == "object" && !Array.isArray(data48)){
for(const key7 in data48){
if(!(func0.call(schema0.properties.rules.items.properties.when.properties, key7))){
const err91 = {instancePath:instancePath+"/rules/" + i4+"/when",schemaPath:"#/properties/rules/items/properties/when/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key7},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err91];
}
else {
vErrors.push(err91);
}
errors++;
}
}
if(data48.path !== undefined){
let data49 = data48.path;
if(typeof data49 === "string"){
if(func1(data49) < 1){
const err92 = {instancePath:instancePath+"/rules/" + i4+"/when/path",schemaPath:"#/properties/rules/items/properties/when/properties/path/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err92];
}
else {
vErrors.push(err92);
}
errors++;
}
}
else {
const err93 = {instancePath:instancePath+"/rules/" + i4+"/when/path",schemaPath:"#/properties/rules/items/properties/when/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err93];
}
else {
vErrors.push(err93);
}
errors++;
}
}
if(data48.method !== undefined){
let data50 = data48.method;
if(typeof data50 === "string"){
if(func1(data50) < 1){
const err94 = {instancePath:instancePath+"/rules/" + i4+"/when/method",schemaPath:"#/properties/rules/items/properties/when/properties/method/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err94];
}
else {
vErrors.push(err94);
}
errors++;
}
}
else {
const err95 = {instancePath:instancePath+"/rules/" + i4+"/when/method",schemaPath:"#/properties/rules/items/properties/when/properties/method/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err95];
}
else {
vErrors.push(err95);
}
errors++;
}
}
if(data48.model !== undefined){
let data51 = data48.model;
if(typeof data51 === "string"){
if(func1(data51) < 1){
const err96 = {instancePath:instancePath+"/rules/" + i4+"/when/model",schemaPath:"#/properties/rules/items/properties/when/properties/model/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err96];
}
else {
vErrors.push(err96);
}
errors++;
}
}
else {
const err97 = {instancePath:instancePath+"/rules/" + i4+"/when/model",schemaPath:"#/properties/rules/items/properties/when/properties/model/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err97];
}
else {
vErrors.push(err97);
}
errors++;
}
}
if(data48.key !== undefined){
let data52 = data48.key;
if(typeof data52 === "string"){
if(func1(data52) < 1){
const err98 = {instancePath:instancePath+"/rules/" + i4+"/when/key",schemaPath:"#/properties/rules/items/properties/when/properties/key/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err98];
}
else {
vErrors.push(err98);
}
errors++;
}
}
else {
const err99 = {instancePath:instancePath+"/rules/" + i4+"/when/key",schemaPath:"#/properties/rules/items/properties/when/properties/key/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err99];
}
else {
vErrors.push(err99);
}
errors++;
}
}
if(data48.header !== undefined){
let data53 = data48.header;
if(data53 && typeof data53 == "object" && !Array.isArray(data53)){
for(const key8 in data53){
let data54 = data53[key8];
if(typeof data54 === "string"){
if(func1(data54) < 1){
const err100 = {instancePath:instancePath+"/rules/" + i4+"/when/header/" + key8.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/rules/items/properties/when/properties/header/additionalProperties/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err100];
}
else {
vErrors.push(err100);
}
errors++;
}
}
else {
const err101 = {instancePath:instancePath+"/rules/" + i4+"/when/header/" + key8.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/rules/items/properties/when/properties/header/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err101];
}
else {
vErrors.push(err101);
}
errors++;
}
}
}
else {
const err102 = {instancePath:instancePath+"/rules/" + i4+"/when/header",schemaPath:"#/properties/rules/items/properties/when/properties/header/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err102];
}
else {
vErrors.push(err102);
}
errors++;
}
}
if(data48.stream !== undefined){
if(typeof data48.stream !== "boolean"){
const err103 = {instancePath:instancePath+"/rules/" + i4+"/when/stream",schemaPath:"#/properties/rules/items/properties/when/properties/stream/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err103];
}
else {
vErrors.push(err103);
}
errors++;
}
}
if(data48.message !== undefined){
let data56 = data48.message;
if(typeof data56 === "string"){
if(func1(data56) < 1){
const err104 = {instancePath:instancePath+"/rules/" + i4+"/when/message",schemaPath:"#/properties/rules/items/properties/when/properties/message/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err104];
}
else {
vErrors.push(err104);
}
errors++;
}
}
else {
const err105 = {instancePath:instancePath+"/rules/" + i4+"/when/message",schemaPath:"#/properties/rules/items/properties/when/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err105];
}
else {
vErrors.push(err105);
}
errors++;
}
}
if(data48.system !== undefined){
let data57 = data48.system;
if(typeof data57 === "string"){
if(func1(data57) < 1){
const err106 = {instancePath:instancePath+"/rules/" + i4+"/when/system",schemaPath:"#/properties/rules/items/properties/when/properties/system/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err106];
}
else {
vErrors.push(err106);
}
errors++;
}
}
else {
const err107 = {instancePath:instancePath+"/rules/" + i4+"/when/system",schemaPath:"#/properties/rules/items/properties/when/properties/system/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err107];
}
else {
vErrors.push(err107);
}
errors++;
}
}
if(data48.tools !== undefined){
let data58 = data48.tools;
if(Array.isArray(data58)){
const len5 = data58.length;
for(let i5=0; i5<len5; i5++){
let data59 = data58[i5];
if(typeof data59 === "string"){
if(func1(data59) < 1){
const err108 = {instancePath:instancePath+"/rules/" + i4+"/when/tools/" + i5,schemaPath:"#/properties/rules/items/properties/when/properties/tools/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err108];
}
else {
vErrors.push(err108);
}
errors++;
}
}
else {
const err109 = {instancePath:instancePath+"/rules/" + i4+"/when/tools/" + i5,schemaPath:"#/properties/rules/items/properties/when/properties/tools/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err109];
}
else {
vErrors.push(err109);
}
errors++;
}
}
}
else {
const err110 = {instancePath:instancePath+"/rules/" + i4+"/when/tools",schemaPath:"#/properties/rules/items/properties/when/properties/tools/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err110];
}
else {
vErrors.push(err110);
}
errors++;
}
}
if(data48.tool_result !== undefined){
if(typeof data48.tool_result !== "boolean"){
const err111 = {instancePath:instancePath+"/rules/" + i4+"/when/tool_result",schemaPath:"#/properties/rules/items/properties/when/properties/tool_result/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err111];
}
else {
vErrors.push(err111);
}
errors++;
}
}
if(data48.nth !== undefined){
let data61 = data48.nth;
const _errs128 = errors;
let valid21 = false;
let passing0 = null;
const _errs129 = errors;
if(!((typeof data61 == "number") && (!(data61 % 1) && !isNaN(data61)))){
const err112 = {instancePath:instancePath+"/rules/" + i4+"/when/nth",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err112];
}
else {
vErrors.push(err112);
}
errors++;
}
if(typeof data61 == "number"){
if(data61 < 1 || isNaN(data61)){
const err113 = {instancePath:instancePath+"/rules/" + i4+"/when/nth",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err113];
}
else {
vErrors.push(err113);
}
errors++;
}
}
var _valid0 = _errs129 === errors;
if(_valid0){
valid21 = true;
passing0 = 0;
}
const _errs131 = errors;
if(data61 && typeof data61 == "object" && !Array.isArray(data61)){
if(Object.keys(data61).length < 1){
const err114 = {instancePath:instancePath+"/rules/" + i4+"/when/nth",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties"};
if(vErrors === null){
vErrors = [err114];
}
else {
vErrors.push(err114);
}
errors++;
}
for(const key9 in data61){
if(!(((key9 === "every") || (key9 === "first")) || (key9 === "after"))){
const err115 = {instancePath:instancePath+"/rules/" + i4+"/when/nth",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key9},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err115];
}
else {
vErrors.push(err115);
}
errors++;
}
}
if(data61.every !== undefined){
let data62 = data61.every;
if(!((typeof data62 == "number") && (!(data62 % 1) && !isNaN(data62)))){
const err116 = {instancePath:instancePath+"/rules/" + i4+"/when/nth/every",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/properties/every/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err116];
}
else {
vErrors.push(err116);
}
errors++;
}
if(typeof data62 == "number"){
if(data62 < 1 || isNaN(data62)){
const err117 = {instancePath:instancePath+"/rules/" + i4+"/when/nth/every",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/properties/every/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err117];
}
else {
vErrors.push(err117);
}
errors++;
}
}
}
if(data61.first !== undefined){
let data63 = data61.first;
if(!((typeof data63 == "number") && (!(data63 % 1) && !isNaN(data63)))){
const err118 = {instancePath:instancePath+"/rules/" + i4+"/when/nth/first",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/properties/first/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err118];
}
else {
vErrors.push(err118);
}
errors++;
}
if(typeof data63 == "number"){
if(data63 < 1 || isNaN(data63)){
const err119 = {instancePath:instancePath+"/rules/" + i4+"/when/nth/first",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/properties/first/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err119];
}
else {
vErrors.push(err119);
}
errors++;
}
}
}
if(data61.after !== undefined){
let data64 = data61.after;
if(!((typeof data64 == "number") && (!(data64 % 1) && !isNaN(data64)))){
const err120 = {instancePath:instancePath+"/rules/" + i4+"/when/nth/after",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/properties/after/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err120];
}
else {
vErrors.push(err120);
}
errors++;
}
if(typeof data64 == "number"){
if(data64 < 0 || isNaN(data64)){
const err121 = {instancePath:instancePath+"/rules/" + i4+"/when/nth/after",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/properties/after/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err121];
}
else {
vErrors.push(err121);
}
errors++;
}
}
}
}
else {
const err122 = {instancePath:instancePath+"/rules/" + i4+"/when/nth",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err122];
}
else {
vErrors.push(err122);
}
errors++;
}
var _valid0 = _errs131 === errors;
if(_valid0 && valid21){
valid21 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid21 = true;
passing0 = 1;
}
}
if(!valid21){
const err123 = {instancePath:instancePath+"/rules/" + i4+"/when/nth",schemaPath:"#/properties/rules/items/properties/when/properties/nth/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf"};
if(vErrors === null){
vErrors = [err123];
}
else {
vErrors.push(err123);
}
errors++;
}
else {
errors = _errs128;
if(vErrors !== null){
if(_errs128){
vErrors.length = _errs128;
}
else {
vErrors = null;
}
}
}
}
if(data48.probability !== undefined){
let data65 = data48.probability;
if(typeof data65 == "number"){
if(data65 > 1 || isNaN(data65)){
const err124 = {instancePath:instancePath+"/rules/" + i4+"/when/probability",schemaPath:"#/properties/rules/items/properties/when/properties/probability/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1},message:"must be <= 1"};
if(vErrors === null){
vErrors = [err124];
}
else {
vErrors.push(err124);
}
errors++;
}
if(data65 < 0 || isNaN(data65)){
const err125 = {instancePath:instancePath+"/rules/" + i4+"/when/probability",schemaPath:"#/properties/rules/items/properties/when/properties/probability/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err125];
}
else {
vErrors.push(err125);
}
errors++;
}
}
else {
const err126 = {instancePath:instancePath+"/rules/" + i4+"/when/probability",schemaPath:"#/properties/rules/items/properties/when/properties/probability/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err126];
}
else {
vErrors.push(err126);
}
errors++;
}
}
if(data48.window !== undefined){
let data66 = data48.window;
if(data66 && typeof data66 == "object" && !Array.isArray(data66)){
for(const key10 in data66){
if(!((key10 === "from_ms") || (key10 === "until_ms"))){
const err127 = {instancePath:instancePath+"/rules/" + i4+"/when/window",schemaPath:"#/properties/rules/items/properties/when/properties/window/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key10},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err127];
}
else {
vErrors.push(err127);
}
errors++;
}
}
if(data66.from_ms !== undefined){
let data67 = data66.from_ms;
if(!((typeof data67 == "number") && (!(data67 % 1) && !isNaN(data67)))){
const err128 = {instancePath:instancePath+"/rules/" + i4+"/when/window/from_ms",schemaPath:"#/properties/rules/items/properties/when/properties/window/properties/from_ms/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err128];
}
else {
vErrors.push(err128);
}
errors++;
}
if(typeof data67 == "number"){
if(data67 < 0 || isNaN(data67)){
const err129 = {instancePath:instancePath+"/rules/" + i4+"/when/window/from_ms",schemaPath:"#/properties/rules/items/properties/when/properties/window/properties/from_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err129];
}
else {
vErrors.push(err129);
}
errors++;
}
}
}
if(data66.until_ms !== undefined){
let data68 = data66.until_ms;
if(!((typeof data68 == "number") && (!(data68 % 1) && !isNaN(data68)))){
const err130 = {instancePath:instancePath+"/rules/" + i4+"/when/window/until_ms",schemaPath:"#/properties/rules/items/properties/when/properties/window/properties/until_ms/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err130];
}
else {
vErrors.push(err130);
}
errors++;
}
if(typeof data68 == "number"){
if(data68 < 0 || isNaN(data68)){
const err131 = {instancePath:instancePath+"/rules/" + i4+"/when/window/until_ms",schemaPath:"#/properties/rules/items/properties/when/properties/window/properties/until_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err131];
}
else {
vErrors.push(err131);
}
errors++;
}
}
}
}
else {
const err132 = {instancePath:instancePath+"/rules/" + i4+"/when/window",schemaPath:"#/properties/rules/items/properties/when/properties/window/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err132];
}
else {
vErrors.push(err132);
}
errors++;
}
}
if(data48.fingerprint !== undefined){
let data69 = data48.fingerprint;
if(typeof data69 === "string"){
if(!pattern2.test(data69)){
const err133 = {instancePath:instancePath+"/rules/" + i4+"/when/fingerprint",schemaPath:"#/properties/rules/items/properties/when/properties/fingerprint/pattern",keyword:"pattern",params:{pattern: "^(?:messages|input|tools|format|params)=(?:[0-9a-f]{8}|-)(?: (?:messages|input|tools|format|params)=(?:[0-9a-f]{8}|-))*$"},message:"must match pattern \""+"^(?:messages|input|tools|format|params)=(?:[0-9a-f]{8}|-)(?: (?:messages|input|tools|format|params)=(?:[0-9a-f]{8}|-))*$"+"\""};
if(vErrors === null){
vErrors = [err133];
}
else {
vErrors.push(err133);
}
errors++;
}
}
else {
const err134 = {instancePath:instancePath+"/rules/" + i4+"/when/fingerprint",schemaPath:"#/properties/rules/items/properties/when/properties/fingerprint/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err134];
}
else {
vErrors.push(err134);
}
errors++;
}
}
}
else {
const err135 = {instancePath:instancePath+"/rules/" + i4+"/when",schemaPath:"#/properties/rules/items/properties/when/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err135];
}
else {
vErrors.push(err135);
}
errors++;
}
}
if(data46.reply !== undefined){
let data70 = data46.reply;
if(data70 && typeof data70 == "object" && !Array.isArray(data70)){
for(const key11 in data70){
if(!((((((((key11 === "content") || (key11 === "tool_calls")) || (key11 === "finish_reason")) || (key11 === "usage")) || (key11 === "embedding")) || (key11 === "delay_ms")) || (key11 === "stream")) || (key11 === "recorded"))){
const err136 = {instancePath:instancePath+"/rules/" + i4+"/reply",schemaPath:"#/properties/rules/items/properties/reply/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key11},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err136];
}
else {
vErrors.push(err136);
}
errors++;
}
}
if(data70.content !== undefined){
if(typeof data70.content !== "string"){
const err137 = {instancePath:instancePath+"/rules/" + i4+"/reply/content",schemaPath:"#/properties/rules/items/properties/reply/properties/content/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err137];
}
else {
vErrors.push(err137);
}
errors++;
}
}
if(data70.tool_calls !== undefined){
let data72 = data70.tool_calls;
if(Array.isArray(data72)){
const len6 = data72.length;
for(let i6=0; i6<len6; i6++){
let data73 = data72[i6];
if(data73 && typeof data73 == "object" && !Array.isArray(data73)){
if(data73.name === undefined){
const err138 = {instancePath:instancePath+"/rules/" + i4+"/reply/tool_calls/" + i6,schemaPath:"#/properties/rules/items/properties/reply/properties/tool_calls/items/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'"};
if(vErrors === null){
vErrors = [err138];
}
else {
vErrors.push(err138);
}
errors++;
}
for(const key12 in data73){
if(!((key12 === "name") || (key12 === "arguments"))){
const err139 = {instancePath:instancePath+"/rules/" + i4+"/reply/tool_calls/" + i6,schemaPath:"#/properties/rules/items/properties/reply/properties/tool_calls/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key12},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err139];
}
else {
vErrors.push(err139);
}
errors++;
}
}
if(data73.name !== undefined){
let data74 = data73.name;
if(typeof data74 === "string"){
if(func1(data74) < 1){
const err140 = {instancePath:instancePath+"/rules/" + i4+"/reply/tool_calls/" + i6+"/name",schemaPath:"#/properties/rules/items/properties/reply/properties/tool_calls/items/properties/name/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err140];
}
else {
vErrors.push(err140);
}
errors++;
}
}
else {
const err141 = {instancePath:instancePath+"/rules/" + i4+"/reply/tool_calls/" + i6+"/name",schemaPath:"#/properties/rules/items/properties/reply/properties/tool_calls/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err141];
}
else {
vErrors.push(err141);
}
errors++;
}
}
}
else {
const err142 = {instancePath:instancePath+"/rules/" + i4+"/reply/tool_calls/" + i6,schemaPath:"#/properties/rules/items/properties/reply/properties/tool_calls/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err142];
}
else {
vErrors.push(err142);
}
errors++;
}
}
}
else {
const err143 = {instancePath:instancePath+"/rules/" + i4+"/reply/tool_calls",schemaPath:"#/properties/rules/items/properties/reply/properties/tool_calls/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err143];
}
else {
vErrors.push(err143);
}
errors++;
}
}
if(data70.finish_reason !== undefined){
let data75 = data70.finish_reason;
if(!((((data75 === "stop") || (data75 === "length")) || (data75 === "tool_calls")) || (data75 === "content_filter"))){
const err144 = {instancePath:instancePath+"/rules/" + i4+"/reply/finish_reason",schemaPath:"#/properties/rules/items/properties/reply/properties/finish_reason/enum",keyword:"enum",params:{allowedValues: schema0.properties.rules.items.properties.reply.properties.finish_reason.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err144];
}
else {
vErrors.push(err144);
}
errors++;
}
}
if(data70.usage !== undefined){
let data76 = data70.usage;
if(data76 && typeof data76 == "object" && !Array.isArray(data76)){
for(const key13 in data76){
if(!((key13 === "prompt_tokens") || (key13 === "completion_tokens"))){
const err145 = {instancePath:instancePath+"/rules/" + i4+"/reply/usage",schemaPath:"#/properties/rules/items/properties/reply/properties/usage/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key13},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err145];
}
else {
vErrors.push(err145);
}
errors++;
}
}
if(data76.prompt_tokens !== undefined){
let data77 = data76.prompt_tokens;
if(!((typeof data77 == "number") && (!(data77 % 1) && !isNaN(data77)))){
const err146 = {instancePath:instancePath+"/rules/" + i4+"/reply/usage/prompt_tokens",schemaPath:"#/properties/rules/items/properties/reply/properties/usage/properties/prompt_tokens/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err146];
}
else {
vErrors.push(err146);
}
errors++;
}
if(typeof data77 == "number"){
if(data77 > 100000000 || isNaN(data77)){
const err147 = {instancePath:instancePath+"/rules/" + i4+"/reply/usage/prompt_tokens",schemaPath:"#/properties/rules/items/properties/reply/properties/usage/properties/prompt_tokens/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100000000},message:"must be <= 100000000"};
if(vErrors === null){
vErrors = [err147];
}
else {
vErrors.push(err147);
}
errors++;
}
if(data77 < 0 || isNaN(data77)){
const err148 = {instancePath:instancePath+"/rules/" + i4+"/reply/usage/prompt_tokens",schemaPath:"#/properties/rules/items/properties/reply/properties/usage/properties/prompt_tokens/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err148];
}
else {
vErrors.push(err148);
}
errors++;
}
}
}
if(data76.completion_tokens !== undefined){
let data78 = data76.completion_tokens;
if(!((typeof data78 == "number") && (!(data78 % 1) && !isNaN(data78)))){
const err149 = {instancePath:instancePath+"/rules/" + i4+"/reply/usage/completion_tokens",schemaPath:"#/properties/rules/items/properties/reply/properties/usage/properties/completion_tokens/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err149];
}
else {
vErrors.push(err149);
}
errors++;
}
if(typeof data78 == "number"){
if(data78 > 100000000 || isNaN(data78)){
const err150 = {instancePath:instancePath+"/rules/" + i4+"/reply/usage/completion_tokens",schemaPath:"#/properties/rules/items/properties/reply/properties/usage/properties/completion_tokens/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100000000},message:"must be <= 100000000"};
if(vErrors === null){
vErrors = [err150];
}
else {
vErrors.push(err150);
}
errors++;
}
if(data78 < 0 || isNaN(data78)){
const err151 = {instancePath:instancePath+"/rules/" + i4+"/reply/usage/completion_tokens",schemaPath:"#/properties/rules/items/properties/reply/properties/usage/properties/completion_tokens/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err151];
}
else {
vErrors.push(err151);
}
errors++;
}
}
}
}
else {
const err152 = {instancePath:instancePath+"/rules/" + i4+"/reply/usage",schemaPath:"#/properties/rules/items/properties/reply/properties/usage/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err152];
}
else {
vErrors.push(err152);
}
errors++;
}
}
if(data70.embedding !== undefined){
let data79 = data70.embedding;
if(Array.isArray(data79)){
if(data79.length > 16384){
const err153 = {instancePath:instancePath+"/rules/" + i4+"/reply/embedding",schemaPath:"#/properties/rules/items/properties/reply/properties/embedding/maxItems",keyword:"maxItems",params:{limit: 16384},message:"must NOT have more than 16384 items"};
if(vErrors === null){
vErrors = [err153];
}
else {
vErrors.push(err153);
}
errors++;
}
if(data79.length < 1){
const err154 = {instancePath:instancePath+"/rules/" + i4+"/reply/embedding",schemaPath:"#/properties/rules/items/properties/reply/properties/embedding/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items"};
if(vErrors === null){
vErrors = [err154];
}
else {
vErrors.push(err154);
}
errors++;
}
const len7 = data79.length;
for(let i7=0; i7<len7; i7++){
if(!(typeof data79[i7] == "number")){
const err155 = {instancePath:instancePath+"/rules/" + i4+"/reply/embedding/" + i7,schemaPath:"#/properties/rules/items/properties/reply/properties/embedding/items/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err155];
}
else {
vErrors.push(err155);
}
errors++;
}
}
}
else {
const err156 = {instancePath:instancePath+"/rules/" + i4+"/reply/embedding",schemaPath:"#/properties/rules/items/properties/reply/properties/embedding/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err156];
}
else {
vErrors.push(err156);
}
errors++;
}
}
if(data70.delay_ms !== undefined){
let data81 = data70.delay_ms;
if(!((typeof data81 == "number") && (!(data81 % 1) && !isNaN(data81)))){
const err157 = {instancePath:instancePath+"/rules/" + i4+"/reply/delay_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/delay_ms/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err157];
}
else {
vErrors.push(err157);
}
errors++;
}
if(typeof data81 == "number"){
if(data81 > 2147483647 || isNaN(data81)){
const err158 = {instancePath:instancePath+"/rules/" + i4+"/reply/delay_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/delay_ms/maximum",keyword:"maximum",params:{comparison: "<=", limit: 2147483647},message:"must be <= 2147483647"};
if(vErrors === null){
vErrors = [err158];
}
else {
vErrors.push(err158);
}
errors++;
}
if(data81 < 0 || isNaN(data81)){
const err159 = {instancePath:instancePath+"/rules/" + i4+"/reply/delay_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/delay_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err159];
}
else {
vErrors.push(err159);
}
errors++;
}
}
}
if(data70.stream !== undefined){
let data82 = data70.stream;
if(data82 && typeof data82 == "object" && !Array.isArray(data82)){
for(const key14 in data82){
if(!((((key14 === "ttft_ms") || (key14 === "tokens_per_second")) || (key14 === "chunk_tokens")) || (key14 === "jitter"))){
const err160 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key14},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err160];
}
else {
vErrors.push(err160);
}
errors++;
}
}
if(data82.ttft_ms !== undefined){
let data83 = data82.ttft_ms;
if(!((typeof data83 == "number") && (!(data83 % 1) && !isNaN(data83)))){
const err161 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/ttft_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/ttft_ms/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err161];
}
else {
vErrors.push(err161);
}
errors++;
}
if(typeof data83 == "number"){
if(data83 > 2147483647 || isNaN(data83)){
const err162 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/ttft_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/ttft_ms/maximum",keyword:"maximum",params:{comparison: "<=", limit: 2147483647},message:"must be <= 2147483647"};
if(vErrors === null){
vErrors = [err162];
}
else {
vErrors.push(err162);
}
errors++;
}
if(data83 < 0 || isNaN(data83)){
const err163 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/ttft_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/ttft_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err163];
}
else {
vErrors.push(err163);
}
errors++;
}
}
}
if(data82.tokens_per_second !== undefined){
let data84 = data82.tokens_per_second;
if(typeof data84 == "number"){
if(data84 < 0 || isNaN(data84)){
const err164 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/tokens_per_second",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/tokens_per_second/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err164];
}
else {
vErrors.push(err164);
}
errors++;
}
}
else {
const err165 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/tokens_per_second",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/tokens_per_second/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err165];
}
else {
vErrors.push(err165);
}
errors++;
}
}
if(data82.chunk_tokens !== undefined){
let data85 = data82.chunk_tokens;
if(!((typeof data85 == "number") && (!(data85 % 1) && !isNaN(data85)))){
const err166 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/chunk_tokens",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/chunk_tokens/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err166];
}
else {
vErrors.push(err166);
}
errors++;
}
if(typeof data85 == "number"){
if(data85 < 1 || isNaN(data85)){
const err167 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/chunk_tokens",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/chunk_tokens/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err167];
}
else {
vErrors.push(err167);
}
errors++;
}
}
}
if(data82.jitter !== undefined){
let data86 = data82.jitter;
if(typeof data86 == "number"){
if(data86 > 1 || isNaN(data86)){
const err168 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/jitter",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/jitter/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1},message:"must be <= 1"};
if(vErrors === null){
vErrors = [err168];
}
else {
vErrors.push(err168);
}
errors++;
}
if(data86 < 0 || isNaN(data86)){
const err169 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/jitter",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/jitter/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err169];
}
else {
vErrors.push(err169);
}
errors++;
}
}
else {
const err170 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream/jitter",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/properties/jitter/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err170];
}
else {
vErrors.push(err170);
}
errors++;
}
}
}
else {
const err171 = {instancePath:instancePath+"/rules/" + i4+"/reply/stream",schemaPath:"#/properties/rules/items/properties/reply/properties/stream/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err171];
}
else {
vErrors.push(err171);
}
errors++;
}
}
if(data70.recorded !== undefined){
let data87 = data70.recorded;
if(data87 && typeof data87 == "object" && !Array.isArray(data87)){
if(data87.status === undefined){
const err172 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'"};
if(vErrors === null){
vErrors = [err172];
}
else {
vErrors.push(err172);
}
errors++;
}
for(const key15 in data87){
if(!(((((key15 === "status") || (key15 === "headers")) || (key15 === "body")) || (key15 === "events")) || (key15 === "disconnect"))){
const err173 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key15},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err173];
}
else {
vErrors.push(err173);
}
errors++;
}
}
if(data87.status !== undefined){
let data88 = data87.status;
if(!((typeof data88 == "number") && (!(data88 % 1) && !isNaN(data88)))){
const err174 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/status",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/status/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err174];
}
else {
vErrors.push(err174);
}
errors++;
}
if(typeof data88 == "number"){
if(data88 > 599 || isNaN(data88)){
const err175 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/status",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/status/maximum",keyword:"maximum",params:{comparison: "<=", limit: 599},message:"must be <= 599"};
if(vErrors === null){
vErrors = [err175];
}
else {
vErrors.push(err175);
}
errors++;
}
if(data88 < 200 || isNaN(data88)){
const err176 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/status",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/status/minimum",keyword:"minimum",params:{comparison: ">=", limit: 200},message:"must be >= 200"};
if(vErrors === null){
vErrors = [err176];
}
else {
vErrors.push(err176);
}
errors++;
}
}
}
if(data87.headers !== undefined){
let data89 = data87.headers;
if(data89 && typeof data89 == "object" && !Array.isArray(data89)){
for(const key16 in data89){
const _errs195 = errors;
if(typeof key16 === "string"){
if(!pattern3.test(key16)){
const err177 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/headers",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/headers/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},message:"must match pattern \""+"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"+"\"",propertyName:key16};
if(vErrors === null){
vErrors = [err177];
}
else {
vErrors.push(err177);
}
errors++;
}
}
var valid33 = _errs195 === errors;
if(!valid33){
const err178 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/headers",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/headers/propertyNames",keyword:"propertyNames",params:{propertyName: key16},message:"property name must be valid"};
if(vErrors === null){
vErrors = [err178];
}
else {
vErrors.push(err178);
}
errors++;
}
}
for(const key17 in data89){
let data90 = data89[key17];
if(typeof data90 === "string"){
if(!pattern4.test(data90)){
const err179 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/headers/" + key17.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/headers/additionalProperties/pattern",keyword:"pattern",params:{pattern: "^[\\t\\x20-\\x7e\\x80-\\xff]*$"},message:"must match pattern \""+"^[\\t\\x20-\\x7e\\x80-\\xff]*$"+"\""};
if(vErrors === null){
vErrors = [err179];
}
else {
vErrors.push(err179);
}
errors++;
}
}
else {
const err180 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/headers/" + key17.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/headers/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err180];
}
else {
vErrors.push(err180);
}
errors++;
}
}
}
else {
const err181 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/headers",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/headers/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err181];
}
else {
vErrors.push(err181);
}
errors++;
}
}
if(data87.events !== undefined){
let data91 = data87.events;
if(Array.isArray(data91)){
const len8 = data91.length;
for(let i8=0; i8<len8; i8++){
let data92 = data91[i8];
if(data92 && typeof data92 == "object" && !Array.isArray(data92)){
if(data92.at_ms === undefined){
const err182 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/events/" + i8,schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/events/items/required",keyword:"required",params:{missingProperty: "at_ms"},message:"must have required property '"+"at_ms"+"'"};
if(vErrors === null){
vErrors = [err182];
}
else {
vErrors.push(err182);
}
errors++;
}
if(data92.data === undefined){
const err183 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/events/" + i8,schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/events/items/required",keyword:"required",params:{missingProperty: "data"},message:"must have required property '"+"data"+"'"};
if(vErrors === null){
vErrors = [err183];
}
else {
vErrors.push(err183);
}
errors++;
}
for(const key18 in data92){
if(!((key18 === "at_ms") || (key18 === "data"))){
const err184 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/events/" + i8,schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/events/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key18},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err184];
}
else {
vErrors.push(err184);
}
errors++;
}
}
if(data92.at_ms !== undefined){
let data93 = data92.at_ms;
if(typeof data93 == "number"){
if(data93 > 2147483647 || isNaN(data93)){
const err185 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/events/" + i8+"/at_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/events/items/properties/at_ms/maximum",keyword:"maximum",params:{comparison: "<=", limit: 2147483647},message:"must be <= 2147483647"};
if(vErrors === null){
vErrors = [err185];
}
else {
vErrors.push(err185);
}
errors++;
}
if(data93 < 0 || isNaN(data93)){
const err186 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/events/" + i8+"/at_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/events/items/properties/at_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err186];
}
else {
vErrors.push(err186);
}
errors++;
}
}
else {
const err187 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/events/" + i8+"/at_ms",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/events/items/properties/at_ms/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err187];
}
else {
vErrors.push(err187);
}
errors++;
}
}
}
else {
const err188 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/events/" + i8,schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/events/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err188];
}
else {
vErrors.push(err188);
}
errors++;
}
}
}
else {
const err189 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/events",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/events/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err189];
}
else {
vErrors.push(err189);
}
errors++;
}
}
if(data87.disconnect !== undefined){
if(typeof data87.disconnect !== "boolean"){
const err190 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded/disconnect",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/properties/disconnect/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err190];
}
else {
vErrors.push(err190);
}
errors++;
}
}
}
else {
const err191 = {instancePath:instancePath+"/rules/" + i4+"/reply/recorded",schemaPath:"#/properties/rules/items/properties/reply/properties/recorded/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err191];
}
else {
vErrors.push(err191);
}
errors++;
}
}
}
else {
const err192 = {instancePath:instancePath+"/rules/" + i4+"/reply",schemaPath:"#/properties/rules/items/properties/reply/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err192];
}
else {
vErrors.push(err192);
}
errors++;
}
}
if(data46.fault !== undefined){
let data95 = data46.fault;
if(data95 && typeof data95 == "object" && !Array.isArray(data95)){
if(data95.type === undefined){
const err193 = {instancePath:instancePath+"/rules/" + i4+"/fault",schemaPath:"#/properties/rules/items/properties/fault/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'"};
if(vErrors === null){
vErrors = [err193];
}
else {
vErrors.push(err193);
}
errors++;
}
for(const key19 in data95){
if(!(func0.call(schema0.properties.rules.items.properties.fault.properties, key19))){
const err194 = {instancePath:instancePath+"/rules/" + i4+"/fault",schemaPath:"#/properties/rules/items/properties/fault/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key19},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err194];
}
else {
vErrors.push(err194);
}
errors++;
}
}
if(data95.type !== undefined){
let data96 = data95.type;
if(!(((((((((((data96 === "insufficient_balance") || (data96 === "rate_limit")) || (data96 === "timeout")) || (data96 === "upstream_error")) || (data96 === "invalid_api_key")) || (data96 === "key_expired")) || (data96 === "invalid_model")) || (data96 === "disconnect")) || (data96 === "malformed")) || (data96 === "stream_error")) || (data96 === "status"))){
const err195 = {instancePath:instancePath+"/rules/" + i4+"/fault/type",schemaPath:"#/properties/rules/items/properties/fault/properties/type/enum",keyword:"enum",params:{allowedValues: schema0.properties.rules.items.properties.fault.properties.type.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err195];
}
else {
vErrors.push(err195);
}
errors++;
}
}
if(data95.after_chunks !== undefined){
let data97 = data95.after_chunks;
if(!((typeof data97 == "number") && (!(data97 % 1) && !isNaN(data97)))){
const err196 = {instancePath:instancePath+"/rules/" + i4+"/fault/after_chunks",schemaPath:"#/properties/rules/items/properties/fault/properties/after_chunks/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err196];
}
else {
vErrors.push(err196);
}
errors++;
}
if(typeof data97 == "number"){
if(data97 < 0 || isNaN(data97)){
const err197 = {instancePath:instancePath+"/rules/" + i4+"/fault/after_chunks",schemaPath:"#/properties/rules/items/properties/fault/properties/after_chunks/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err197];
}
else {
vErrors.push(err197);
}
errors++;
}
}
}
if(data95.retry_after_s !== undefined){
let data98 = data95.retry_after_s;
if(typeof data98 == "number"){
if(data98 < 0 || isNaN(data98)){
const err198 = {instancePath:instancePath+"/rules/" + i4+"/fault/retry_after_s",schemaPath:"#/properties/rules/items/properties/fault/properties/retry_after_s/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err198];
}
else {
vErrors.push(err198);
}
errors++;
}
}
else {
const err199 = {instancePath:instancePath+"/rules/" + i4+"/fault/retry_after_s",schemaPath:"#/properties/rules/items/properties/fault/properties/retry_after_s/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err199];
}
else {
vErrors.push(err199);
}
errors++;
}
}
if(data95.retry_after_ms !== undefined){
let data99 = data95.retry_after_ms;
if(typeof data99 == "number"){
if(data99 < 0 || isNaN(data99)){
const err200 = {instancePath:instancePath+"/rules/" + i4+"/fault/retry_after_ms",schemaPath:"#/properties/rules/items/properties/fault/properties/retry_after_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err200];
}
else {
vErrors.push(err200);
}
errors++;
}
}
else {
const err201 = {instancePath:instancePath+"/rules/" + i4+"/fault/retry_after_ms",schemaPath:"#/properties/rules/items/properties/fault/properties/retry_after_ms/type",keyword:"type",params:{type: "number"},message:"must be number"};
if(vErrors === null){
vErrors = [err201];
}
else {
vErrors.push(err201);
}
errors++;
}
}
if(data95.mode !== undefined){
let data100 = data95.mode;
if(!((data100 === "hang") || (data100 === "delay"))){
const err202 = {instancePath:instancePath+"/rules/" + i4+"/fault/mode",schemaPath:"#/properties/rules/items/properties/fault/properties/mode/enum",keyword:"enum",params:{allowedValues: schema0.properties.rules.items.properties.fault.properties.mode.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err202];
}
else {
vErrors.push(err202);
}
errors++;
}
}
if(data95.delay_ms !== undefined){
let data101 = data95.delay_ms;
if(!((typeof data101 == "number") && (!(data101 % 1) && !isNaN(data101)))){
const err203 = {instancePath:instancePath+"/rules/" + i4+"/fault/delay_ms",schemaPath:"#/properties/rules/items/properties/fault/properties/delay_ms/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err203];
}
else {
vErrors.push(err203);
}
errors++;
}
if(typeof data101 == "number"){
if(data101 > 2147483647 || isNaN(data101)){
const err204 = {instancePath:instancePath+"/rules/" + i4+"/fault/delay_ms",schemaPath:"#/properties/rules/items/properties/fault/properties/delay_ms/maximum",keyword:"maximum",params:{comparison: "<=", limit: 2147483647},message:"must be <= 2147483647"};
if(vErrors === null){
vErrors = [err204];
}
else {
vErrors.push(err204);
}
errors++;
}
if(data101 < 0 || isNaN(data101)){
const err205 = {instancePath:instancePath+"/rules/" + i4+"/fault/delay_ms",schemaPath:"#/properties/rules/items/properties/fault/properties/delay_ms/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err205];
}
else {
vErrors.push(err205);
}
errors++;
}
}
}
if(data95.status !== undefined){
let data102 = data95.status;
if(!((typeof data102 == "number") && (!(data102 % 1) && !isNaN(data102)))){
const err206 = {instancePath:instancePath+"/rules/" + i4+"/fault/status",schemaPath:"#/properties/rules/items/properties/fault/properties/status/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err206];
}
else {
vErrors.push(err206);
}
errors++;
}
if(typeof data102 == "number"){
if(data102 > 599 || isNaN(data102)){
const err207 = {instancePath:instancePath+"/rules/" + i4+"/fault/status",schemaPath:"#/properties/rules/items/properties/fault/properties/status/maximum",keyword:"maximum",params:{comparison: "<=", limit: 599},message:"must be <= 599"};
if(vErrors === null){
vErrors = [err207];
}
else {
vErrors.push(err207);
}
errors++;
}
if(data102 < 200 || isNaN(data102)){
const err208 = {instancePath:instancePath+"/rules/" + i4+"/fault/status",schemaPath:"#/properties/rules/items/properties/fault/properties/status/minimum",keyword:"minimum",params:{comparison: ">=", limit: 200},message:"must be >= 200"};
if(vErrors === null){
vErrors = [err208];
}
else {
vErrors.push(err208);
}
errors++;
}
}
}
if(data95.message !== undefined){
if(typeof data95.message !== "string"){
const err209 = {instancePath:instancePath+"/rules/" + i4+"/fault/message",schemaPath:"#/properties/rules/items/properties/fault/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err209];
}
else {
vErrors.push(err209);
}
errors++;
}
}
if(data95.code !== undefined){
if(typeof data95.code !== "string"){
const err210 = {instancePath:instancePath+"/rules/" + i4+"/fault/code",schemaPath:"#/properties/rules/items/properties/fault/properties/code/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err210];
}
else {
vErrors.push(err210);
}
errors++;
}
}
if(data95.headers !== undefined){
let data105 = data95.headers;
if(data105 && typeof data105 == "object" && !Array.isArray(data105)){
for(const key20 in data105){
const _errs229 = errors;
if(typeof key20 === "string"){
if(!pattern3.test(key20)){
const err211 = {instancePath:instancePath+"/rules/" + i4+"/fault/headers",schemaPath:"#/properties/rules/items/properties/fault/properties/headers/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"},message:"must match pattern \""+"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"+"\"",propertyName:key20};
if(vErrors === null){
vErrors = [err211];
}
else {
vErrors.push(err211);
}
errors++;
}
}
var valid39 = _errs229 === errors;
if(!valid39){
const err212 = {instancePath:instancePath+"/rules/" + i4+"/fault/headers",schemaPath:"#/properties/rules/items/properties/fault/properties/headers/propertyNames",keyword:"propertyNames",params:{propertyName: key20},message:"property name must be valid"};
if(vErrors === null){
vErrors = [err212];
}
else {
vErrors.push(err212);
}
errors++;
}
}
for(const key21 in data105){
let data106 = data105[key21];
if(typeof data106 === "string"){
if(!pattern4.test(data106)){
const err213 = {instancePath:instancePath+"/rules/" + i4+"/fault/headers/" + key21.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/rules/items/properties/fault/properties/headers/additionalProperties/pattern",keyword:"pattern",params:{pattern: "^[\\t\\x20-\\x7e\\x80-\\xff]*$"},message:"must match pattern \""+"^[\\t\\x20-\\x7e\\x80-\\xff]*$"+"\""};
if(vErrors === null){
vErrors = [err213];
}
else {
vErrors.push(err213);
}
errors++;
}
}
else {
const err214 = {instancePath:instancePath+"/rules/" + i4+"/fault/headers/" + key21.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/rules/items/properties/fault/properties/headers/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err214];
}
else {
vErrors.push(err214);
}
errors++;
}
}
}
else {
const err215 = {instancePath:instancePath+"/rules/" + i4+"/fault/headers",schemaPath:"#/properties/rules/items/properties/fault/properties/headers/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err215];
}
else {
vErrors.push(err215);
}
errors++;
}
}
}
else {
const err216 = {instancePath:instancePath+"/rules/" + i4+"/fault",schemaPath:"#/properties/rules/items/properties/fault/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err216];
}
else {
vErrors.push(err216);
}
errors++;
}
}
if(data46.times !== undefined){
let data107 = data46.times;
if(!((typeof data107 == "number") && (!(data107 % 1) && !isNaN(data107)))){
const err217 = {instancePath:instancePath+"/rules/" + i4+"/times",schemaPath:"#/properties/rules/items/properties/times/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err217];
}
else {
vErrors.push(err217);
}
errors++;
}
if(typeof data107 == "number"){
if(data107 < 1 || isNaN(data107)){
const err218 = {instancePath:instancePath+"/rules/" + i4+"/times",schemaPath:"#/properties/rules/items/properties/times/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err218];
}
else {
vErrors.push(err218);
}
errors++;
}
}
}
if(data46.per !== undefined){
let data108 = data46.per;
if(!(((data108 === "global") || (data108 === "key")) || (data108 === "session"))){
const err219 = {instancePath:instancePath+"/rules/" + i4+"/per",schemaPath:"#/properties/rules/items/properties/per/enum",keyword:"enum",params:{allowedValues: schema0.properties.rules.items.properties.per.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err219];
}
else {
vErrors.push(err219);
}
errors++;
}
}
}
else {
const err220 = {instancePath:instancePath+"/rules/" + i4,schemaPath:"#/properties/rules/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err220];
}
else {
vErrors.push(err220);
}
errors++;
}
}
}
else {
const err221 = {instancePath:instancePath+"/rules",schemaPath:"#/properties/rules/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err221];
}
else {
vErrors.push(err221);
}
errors++;
}
}
if(data.limits !== undefined){
let data109 = data.limits;
if(data109 && typeof data109 == "object" && !Array.isArray(data109)){
if(Object.keys(data109).length < 1){
const err222 = {instancePath:instancePath+"/limits",schemaPath:"#/properties/limits/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties"};
if(vErrors === null){
vErrors = [err222];
}
else {
vErrors.push(err222);
}
errors++;
}
for(const key22 in data109){
if(!((key22 === "rpm") || (key22 === "tpm"))){
const err223 = {instancePath:instancePath+"/limits",schemaPath:"#/properties/limits/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key22},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err223];
}
else {
vErrors.push(err223);
}
errors++;
}
}
if(data109.rpm !== undefined){
let data110 = data109.rpm;
if(!((typeof data110 == "number") && (!(data110 % 1) && !isNaN(data110)))){
const err224 = {instancePath:instancePath+"/limits/rpm",schemaPath:"#/properties/limits/properties/rpm/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err224];
}
else {
vErrors.push(err224);
}
errors++;
}
if(typeof data110 == "number"){
if(data110 < 1 || isNaN(data110)){
const err225 = {instancePath:instancePath+"/limits/rpm",schemaPath:"#/properties/limits/properties/rpm/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err225];
}
else {
vErrors.push(err225);
}
errors++;
}
}
}
if(data109.tpm !== undefined){
let data111 = data109.tpm;
if(!((typeof data111 == "number") && (!(data111 % 1) && !isNaN(data111)))){
const err226 = {instancePath:instancePath+"/limits/tpm",schemaPath:"#/properties/limits/properties/tpm/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err226];
}
else {
vErrors.push(err226);
}
errors++;
}
if(typeof data111 == "number"){
if(data111 < 1 || isNaN(data111)){
const err227 = {instancePath:instancePath+"/limits/tpm",schemaPath:"#/properties/limits/properties/tpm/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err227];
}
else {
vErrors.push(err227);
}
errors++;
}
}
}
}
else {
const err228 = {instancePath:instancePath+"/limits",schemaPath:"#/properties/limits/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err228];
}
else {
vErrors.push(err228);
}
errors++;
}
}
}
else {
const err229 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err229];
}
else {
vErrors.push(err229);
}
errors++;
}
validate0.errors = vErrors;
return errors === 0;
}
validate0.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};
