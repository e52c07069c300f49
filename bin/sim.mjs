#!/usr/bin/env node
// `npm run sim -- ...`: the CLI (src-sim/cli.ts), run from an esbuild bundle of it so that it starts fast, as the app and
// the bench ship the core. The bundle lives in node_modules/.cache/lazytlb-cli/ with the list of files it was built
// from (esbuild's metafile: every source and package file, with its size and modification time); it is rebuilt when
// any of them changed or is gone, so a pull or an edit never runs a stale bundle. LAZYTLB_CLI_CACHE names another
// folder (tests).
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = resolve(process.env.LAZYTLB_CLI_CACHE || join(root, 'node_modules', '.cache', 'lazytlb-cli'));
const bundle = join(cache, 'cli.mjs');
const manifest = join(cache, 'inputs.json');

/** True when the bundle is there and every file it was built from is as it was then. */
function fresh() {
  if (!existsSync(bundle) || !existsSync(manifest)) return false;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(manifest, 'utf8'));
  } catch {
    return false;
  }
  for (const [path, size, mtimeMs] of inputs) {
    let st;
    try {
      st = statSync(join(root, path));
    } catch {
      return false;
    }
    if (st.size !== size || st.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

async function rebuild() {
  const { build } = await import('esbuild');
  mkdirSync(cache, { recursive: true });
  // Written beside, then renamed: two CLIs starting at once never run half a bundle.
  const tmp = `${bundle}.${process.pid}.tmp.mjs`;
  const r = await build({
    absWorkingDir: root,
    entryPoints: ['src-sim/cli.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: tmp,
    metafile: true,
    // Less to parse at every start; names kept, so that a stack trace still says where.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(r.metafile.inputs).map((path) => {
    const st = statSync(join(root, path));
    return [path, st.size, st.mtimeMs];
  });
  renameSync(tmp, bundle);
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
}

if (!fresh()) await rebuild();
await import(pathToFileURL(bundle).href);
