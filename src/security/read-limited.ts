/**
 * A response body read from a server Foyer does not control (a hook receiver, an identity provider's
 * discovery document), up to a bound: past it the read stops and `tooLarge()` is thrown, so a hostile or
 * broken upstream cannot make Foyer buffer an unbounded body.
 */
export async function readLimited(response: Response, limitBytes: number, tooLarge: () => Error): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
