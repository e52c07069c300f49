/** `device_access`: a device reads or writes through its secondary MMU (one hardware micro-step of the device). */
import { z } from 'zod';
import { deviceStep } from '../kernel/hardware.ts';
import { address, common, vpnOf, type OpDef } from './def.ts';

const schema = z.strictObject({ ...common, do: z.literal('device_access'), va: address, write: z.boolean().optional() });

export const deviceAccessOp: OpDef<typeof schema, string> = {
  schema,
  hardware: { actor: 'device', run: (k, f) => deviceStep(k, k.s.devices.findIndex((x) => x.name === f.device), vpnOf(f.va), !!f.write) },
  resolve: (_k, f) => `${f.do} is not a kernel operation`,
  refuse: () => null,
  start: () => {
    throw new Error('device_access starts no kernel function');
  },
  describe: (f) => `device ${f.write ? 'write' : 'read'} ${f.va}`,
};
