import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { cutProxy } from '../helpers/cut-proxy.js';
import { remote } from '../helpers/remote.js';

// wss://: the real app-server listens on plain ws:// (loopback), and a TLS-terminating proxy of
// the test's own (test/helpers/cut-proxy.ts) stands in front of it, as a reverse proxy would. Its certificate is self-signed
// (test/fixtures/tls, CN and SAN localhost/127.0.0.1), so only a client given it as `ca` trusts it.

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), 'utf8');
const CERT = fixture('localhost.cert.pem');
const KEY = fixture('localhost.key.pem');

describe('Codex.connect() over wss://', () => {
  it('runs a turn through a TLS terminator whose certificate is given as ca', async () => {
    await using env = await remote({ listen: 'ws' });
    await using terminator = await cutProxy(env.server.url, { tls: { key: KEY, cert: CERT } });
    const codex = await env.connect({ url: terminator.url, tls: { ca: CERT } });
    env.model.enqueue(reply.message('over TLS'));
    const thread = await codex.threadStart();
    expect((await thread.run('hello')).finalResponse).toBe('over TLS');
  });

  it('refuses a certificate it cannot verify with ConnectionError naming the URL', async () => {
    await using env = await remote({ listen: 'ws' });
    await using terminator = await cutProxy(env.server.url, { tls: { key: KEY, cert: CERT } });
    const error = await env.connect({ url: terminator.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).message).toContain(terminator.url);
    expect((error as ConnectionError).message).toMatch(/self[- ]signed/i);
  });
});
