/**
 * The scenario file format `lazytlb/1` and its extension `lazytlb/2` (docs/scenario-format.md), as a zod schema: the shape only. Each step's shape
 * is its operation's (ops/<op>.ts). Names, ranges and labels are resolved in scenario/load.ts, which reports errors
 * with the same JSON paths.
 */
import { z } from 'zod';
import { address, name as stepName } from '../ops/def.ts';
import { OPS } from '../ops/index.ts';

const name = stepName;

/** A step: one of the operations of ops/ (each defines its own shape, ops/<op>.ts). */
const step = z.discriminatedUnion('do', [
  OPS.switch.schema, OPS.access.schema, OPS.speculate.schema, OPS.map.schema, OPS.munmap.schema, OPS.gup_fast.schema, OPS.cow.schema,
  OPS.reclaim.schema, OPS.clone.schema, OPS.fork.schema, OPS.exit.schema, OPS.exec.schema, OPS.mmget.schema, OPS.mmget_not_zero.schema,
  OPS.mmput.schema, OPS.mmgrab.schema, OPS.mmdrop.schema, OPS.use_mm.schema, OPS.unuse_mm.schema,
  OPS.membarrier_register.schema, OPS.membarrier.schema, OPS.device_access.schema, OPS.continue.schema,
  OPS.flush.schema, OPS.step.schema, OPS.irq.schema,
]);

/** The format versions a reader of this code accepts (docs/scenario-format.md §19: what lazytlb/2 adds). */
export const FORMATS = ['lazytlb/1', 'lazytlb/2'] as const;

export const configSchema = z.strictObject({
  lazy_tlb_refcount: z.boolean(),
  lazy_tlb_shootdown: z.boolean(),
  context_switch_era: z.enum(['v4', 'v6']),
  use_mm: z.enum(['kthread_use_mm', 'use_mm']),
  use_mm_takes_mmget: z.boolean(),
  x86_lazy: z.enum(['v4.20', 'v4.14', 'v6.14', 'v3']),
  x86_freed_tables_ipi: z.boolean(),
  x86_trim_cpumask_every: z.number().int().min(0).max(1_000_000),
  x86_trim_cpumask_clock: z.boolean(),
  x86_invlpgb: z.boolean(),
  x86_global_asid_cpus: z.number().int().min(0).max(64),
  pcid: z.boolean(),
  ppc_lazy_flush: z.enum(['v6', 'pre2020']),
  ppc_exit_flush: z.enum(['6.6', '6.4']),
  fullmm_upfront_flush: z.boolean(),
  lazy_tlb_drop_mb: z.boolean(),
  membarrier_sync_core: z.enum(['scheduler', 'arch', 'none']),
  mmu_notifier: z.enum(['v4.13', 'v6.6']),
  reclaim_caller_pins_page: z.boolean(),
  cow_notify: z.enum(['clear_flush_notify', 'set_then_notify']),
  speculative_fill: z.enum(['any-time', 's390-2012']),
  s390_rule: z.enum(['2012', '2016']),
  pti: z.boolean(),
  i8_mode: z.enum(['strict', 'x86-lazy-relaxed']),
  rcu_table_free: z.enum(['arch', 'on', 'off']),
  tlb_remove_table: z.enum(['v4.19', 'pre-4.19']),
  table_batch_alloc_fails: z.boolean(),
  asid_bits: z.number().int().min(0).max(16),
  arm64_reserved_asids: z.boolean(),
  arm64_tlb_flush_pending: z.boolean(),
}).partial();

export const archSchema = z.enum(['x86', 'powerpc', 'arm64', 's390', 'mips', 'alpha']);

const expectation = z.union([
  z.string().regex(/^I\d+[a-z]?$/, 'an invariant id such as "I9"'),
  z.strictObject({ id: z.string().regex(/^I\d+[a-z]?$/, 'an invariant id such as "I9"'), step: z.number().int().nonnegative().optional() }),
]);

export const scenarioSchema = z.strictObject({
  format: z.enum(FORMATS),
  id: z.string().min(1).max(80).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  title: z.string().min(1).max(200),
  summary: z.string().max(4000).optional(),
  /** Which steps of the basics preset (t0-lazy-tlb-basics) this scenario builds on, in a sentence. */
  basics: z.string().max(500).optional(),
  source: z.strictObject({
    subject: z.string().max(300),
    date: z.string().max(40),
    authors: z.array(z.string().max(100)).max(20),
    messageIds: z.array(z.string().max(300)).max(40),
    archive: z.string().max(500).regex(/^https:\/\//, 'an https:// link').optional(),
    outcome: z.string().max(4000).optional(),
    positions: z.array(z.strictObject({ who: z.string().max(100), said: z.string().max(2000) })).max(20).optional(),
  }).optional(),
  machine: z.strictObject({
    arch: archSchema,
    cpus: z.number().int().min(1).max(64),
    kernel: z.string().max(40).optional(),
    config: configSchema.optional(),
  }),
  mms: z.array(z.strictObject({
    name,
    mappings: z.array(z.strictObject({ va: address, page: name, write: z.boolean().optional() })).max(4096).optional(),
  })).max(256),
  tasks: z.array(z.strictObject({ name, mm: name.optional(), kthread: z.boolean().optional() })).max(1024),
  devices: z.array(z.strictObject({ name, kind: z.enum(['shared', 'shadow']), mm: name })).max(16).optional(),
  setup: z.array(step).max(10_000).optional(),
  steps: z.array(step).max(2_000_000),
  variants: z.record(name, z.strictObject({
    label: z.string().max(120),
    explanation: z.string().max(4000).optional(),
    arch: archSchema.optional(),
    config: configSchema.optional(),
  })).optional(),
  expect: z.record(name, z.array(expectation).max(64)).optional(),
  /** lazytlb/2: "explicit": `steps` is an explicit schedule (no step runs ahead; `step` and `irq` move the engine). */
  schedule: z.enum(['default', 'explicit']).optional(),
  /** lazytlb/2: the two steps whose order made the difference (a counterexample's race), indexes into `steps`. */
  race: z.strictObject({
    first: z.number().int().nonnegative(),
    second: z.number().int().nonnegative(),
    note: z.string().max(2000).optional(),
  }).optional(),
});

export type ScenarioFile = z.infer<typeof scenarioSchema>;
export type StepFile = z.infer<typeof step>;
