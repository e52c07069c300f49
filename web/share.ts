/**
 * A user's own scenario travels in the link's fragment (`#scenario=...`, never sent to a server): the JSON text,
 * deflate-compressed with the browser's CompressionStream and base64url-encoded. Links are capped; past the cap the
 * user is told to share the file instead.
 */

export const FRAGMENT_KEY = 'scenario';
/** Longest fragment we put in a link (browsers and chat tools cope with this much). */
export const MAX_FRAGMENT = 16_000;

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([data as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link\'s scenario is not base64url text');
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function encodeScenario(text: string): Promise<string> {
  return toBase64Url(await pipe(new TextEncoder().encode(text), new CompressionStream('deflate-raw')));
}

/** The scenario text a fragment carries; throws with a message for the user when it is damaged. */
export async function decodeScenario(encoded: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await pipe(fromBase64Url(encoded), new DecompressionStream('deflate-raw'));
  } catch {
    throw new Error('the scenario in this link is damaged (it could not be decompressed); was the link cut short?');
  }
  if (bytes.length > 8_000_000) throw new Error("the scenario in this link is larger than 8 MB");
  return new TextDecoder().decode(bytes);
}

/** The fragment for a scenario text, or an error message when it would make the link too long. */
export async function fragmentFor(text: string): Promise<{ fragment: string } | { error: string }> {
  const encoded = await encodeScenario(text);
  const fragment = `#${FRAGMENT_KEY}=${encoded}`;
  if (fragment.length > MAX_FRAGMENT) {
    return { error: `This scenario is too long for a link (${fragment.length} characters compressed; the limit is ${MAX_FRAGMENT}). Share the file instead.` };
  }
  return { fragment };
}

export function fragmentScenario(hash: string): string | null {
  return fragmentValue(hash, FRAGMENT_KEY);
}

/** The value of `key` in a `#a=...&b=...` fragment, or null. */
export function fragmentValue(hash: string, key: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const value = params.get(key);
  return value === null || value === '' ? null : value;
}
