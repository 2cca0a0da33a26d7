/**
 * Loading a library on its first use. Foyer depends on libraries that most deployments never touch
 * (WebAuthn, SAML, Sign-In with Ethereum, OAuth discovery, ALTCHA…); importing them at start cost tens of
 * megabytes of memory that an idle server kept for nothing. Each such library is loaded through one
 * `loadOnce` in the module that wraps it, so the first call pays the import and later calls reuse it.
 * A failed import is not remembered: the next call tries again (as a static import would have failed
 * the start, there is no older behaviour to keep).
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
