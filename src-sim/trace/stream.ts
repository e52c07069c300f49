/**
 * Feed a byte stream to the importer: a web ReadableStream, as a browser `Blob.stream()` or a node web stream gives
 * it. Bytes are decoded as UTF-8 piece by piece (a character split across pieces is kept for the next), so nothing
 * larger than one piece is held. For the app's worker (with progress) and for tests; the CLI reads its file the same
 * way, synchronously.
 */
export async function feedStream(stream: ReadableStream<Uint8Array>, sink: { push(s: string): void }, onProgress?: (bytes: number) => void): Promise<number> {
  const reader = stream.getReader();
  const dec = new TextDecoder('utf-8');
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    sink.push(dec.decode(value, { stream: true }));
    onProgress?.(bytes);
  }
  sink.push(dec.decode());
  return bytes;
}
