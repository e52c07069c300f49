/** `speculate`: the CPU's MMU walks an address on its own (one hardware micro-step, whatever the CPU is doing). */
import { z } from 'zod';
import { speculate } from '../kernel/hardware.ts';
import { address, common, vpnOf, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('speculate'), va: address });

export const speculateOp: OpDef<typeof schema, string> = {
  schema,
  hardware: { actor: 'cpu', run: (k, f) => speculate(k, f.cpu!, vpnOf(f.va)) },
  resolve: (_k, f) => `${f.do} is not a kernel operation`,
  refuse: () => null,
  start: () => {
    throw new Error('speculate starts no kernel function');
  },
  describe: (f) => `speculative walk of ${f.va}`,
};
