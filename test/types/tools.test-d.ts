import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { tool, type ToolCallContext } from '../../src/index.js';

describe('local tool types', () => {
  it("types execute's arguments from a zod schema (its output type)", () => {
    tool({
      name: 'forecast',
      description: 'd',
      inputSchema: z.object({ city: z.string(), days: z.number().default(1) }),
      execute: (args, context) => {
        expectTypeOf(args).toEqualTypeOf<{ city: string; days: number }>();
        expectTypeOf(context).toEqualTypeOf<ToolCallContext>();
        return args.city;
      },
    });
  });

  it('types them from the type parameter for a plain JSON Schema', () => {
    tool<{ city: string }>({
      name: 'weather',
      description: 'd',
      inputSchema: { type: 'object' },
      execute: ({ city }) => {
        expectTypeOf(city).toEqualTypeOf<string>();
        return city;
      },
    });
    tool({
      name: 'untyped',
      description: 'd',
      inputSchema: { type: 'object' },
      execute: (args) => {
        expectTypeOf(args).toEqualTypeOf<Record<string, unknown>>();
        return '';
      },
    });
  });
});
