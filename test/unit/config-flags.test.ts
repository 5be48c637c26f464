import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { configFlags } from '../../src/transport/config-flags.js';
import { formatTomlString } from '../../src/transport/toml.js';

describe('configFlags', () => {
  it('flattens nested objects into dotted keys with TOML values', () => {
    expect(
      configFlags({
        model: 'gpt-x',
        features: { plugins: false, 'shell_snapshot': false },
        'model_providers.mock': { request_max_retries: 0, base_url: 'http://127.0.0.1:1/v1' },
        list: ['a', 1, true],
      }),
    ).toEqual([
      '--config', 'model="gpt-x"',
      '--config', 'features.plugins=false',
      '--config', 'features.shell_snapshot=false',
      '--config', 'model_providers.mock.request_max_retries=0',
      '--config', 'model_providers.mock.base_url="http://127.0.0.1:1/v1"',
      '--config', 'list=["a", 1, true]',
    ]);
  });

  it('skips undefined values', () => {
    expect(configFlags({ a: undefined, b: 1 })).toEqual(['--config', 'b=1']);
  });

  it('rejects keys that could smuggle in another key', () => {
    for (const key of ['a=b', 'a b', 'a\nb', '', 'a..b', 'x"y']) {
      expect(() => configFlags({ [key]: 1 })).toThrow(InvalidArgumentError);
    }
  });

  it('rejects values TOML cannot hold, naming the key', () => {
    expect(() => configFlags({ model: null as unknown as string })).toThrow(/config value of "model"/);
    expect(() => configFlags({ model: 'lone \ud800 surrogate' })).toThrow(InvalidArgumentError);
  });
});

describe('config values', () => {
  it('keeps a hostile value on one line with no unescaped quote', () => {
    const hostile = '"\nmodel_provider = "evil"\n$(rm -rf /); `id` \'x\'';
    const [, flag] = configFlags({ model: hostile });
    expect(flag!.startsWith('model="')).toBe(true);
    const encoded = flag!.slice('model='.length);
    expect(encoded).toBe(formatTomlString(hostile));
    expect(encoded).not.toContain('\n');
    // TOML basic strings written this way are also JSON strings: it reads back exactly.
    expect(JSON.parse(encoded)).toBe(hostile);
  });
});
