/** What Foyer knows about a CAPTCHA provider: where its siteverify lives and its documented test secrets. */

/** A siteverify reply, as both providers send it. */
export interface SiteverifyReply {
  readonly success: boolean;
  readonly 'error-codes': readonly string[];
  readonly hostname?: string;
}

export interface CaptchaProvider {
  readonly name: 'hcaptcha' | 'turnstile';
  /** The provider's own siteverify endpoint (GoTrue's). */
  readonly verifyUrl: string;
  /**
   * The provider's published test secrets and the reply its siteverify gives for them. Foyer answers
   * these locally when it would call the provider's own endpoint: the reply is the documented one,
   * and a test setup works without outbound network access.
   */
  readonly testSecrets: Readonly<Record<string, { readonly behaviour: string; readonly reply: (token: string) => SiteverifyReply }>>;
}
