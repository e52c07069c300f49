import type { Arch } from '../model/types.ts';
import { alpha } from './alpha.ts';
import { arm64 } from './arm64.ts';
import { mips } from './mips.ts';
import type { ArchPolicy } from './policy.ts';
import { powerpc } from './powerpc.ts';
import { s390 } from './s390.ts';
import { x86 } from './x86.ts';

export const ARCHES: Record<Arch, ArchPolicy> = { x86, powerpc, arm64, s390, mips, alpha };
