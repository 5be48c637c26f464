/**
 * Local tools: TypeScript functions the model can call. `tool()` defines one (a zod schema, or
 * a plain JSON Schema with a type parameter), `toolNamespace()` groups several; `threadStart({
 * tools })` offers them to the model and the SDK runs `execute` whenever the model calls one.
 * Arguments are checked first: invalid ones go back to the model as a failed call that says
 * what is wrong, so it can correct itself. A throw becomes a failed call too, never a failed turn.
 *
 *   node --import tsx examples/local-tools.ts            # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/local-tools.ts   # a logged-in Codex (the real
 *     model decides which tools to call)
 */
import { Codex, tool, toolNamespace } from 'codex-app-server-sdk';
import { ScriptedModel, output, reply } from 'codex-app-server-sdk/testing';
import { z } from 'zod';

const live = process.env.CODEX_DEMO_LIVE === '1';

// Offline: the model first calls get_weather with a wrong argument, corrects itself, then looks
// a customer up in the crm namespace, then answers.
await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.response([output.functionCall('get_weather', { town: 'Paris' }, { callId: 'call_1' })]),
  reply.response([output.functionCall('get_weather', { city: 'Paris', unit: 'C' }, { callId: 'call_2' })]),
  reply.response([output.raw({ type: 'function_call', call_id: 'call_3', namespace: 'crm', name: 'find_customer', arguments: '{"name":"Ada"}' })]),
  reply.message('It is sunny and 21°C in Paris, and Ada is customer #42.'),
);
await using home = model ? await model.createCodexHome() : undefined;

// Typed by the zod schema: `city` is a string, `unit` is 'C' | 'F'.
const weather = tool({
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: z.object({ city: z.string(), unit: z.enum(['C', 'F']).default('C') }),
  execute: async ({ city, unit }, { callId }) => {
    console.log(`  get_weather(${city}, ${unit}) [call ${callId}]`);
    return unit === 'C' ? `Sunny, 21°C in ${city}` : `Sunny, 70°F in ${city}`;
  },
});

// A plain JSON Schema, typed by the type parameter. `signal` fires if the turn is interrupted,
// the call's deadline passes or the client closes: pass it on to fetch() and the like.
const crm = toolNamespace({
  name: 'crm',
  description: 'Customer records',
  tools: [
    tool<{ name: string }>({
      name: 'find_customer',
      description: 'Finds a customer by name',
      inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false },
      timeoutMs: 10_000,
      execute: async ({ name }, { signal }) => {
        signal.throwIfAborted();
        console.log(`  crm.find_customer(${name})`);
        return JSON.stringify({ name, id: 42 });
      },
    }),
  ],
});

await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart({ tools: [weather, crm] });
console.log('the model calls:');
const result = await thread.run('What is the weather in Paris, and what is the customer number of Ada?');

console.log('\ntool calls in the turn:');
for (const item of result.items) {
  if (item.type !== 'dynamicToolCall') continue;
  const answer = item.contentItems?.map((c) => (c.type === 'inputText' ? c.text : c.type)).join(' ') ?? '';
  console.log(`  ${item.namespace ? `${item.namespace}.` : ''}${item.tool} ${JSON.stringify(item.arguments)} -> ${item.success ? 'ok' : 'failed'}: ${answer}`);
}
console.log(`\nassistant: ${result.finalResponse}`);
