/**
 * LinkedIn's retired "Sign in with LinkedIn" (r_liteprofile, r_emailaddress), which GoTrue still serves
 * as `linkedin` for apps created before August 2023: the member from /v2/me (names localized by the
 * member's preferred locale), the address from /v2/emailAddress — LinkedIn returns only the primary,
 * verified one.
 */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile, joinName, text } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface LocalizedName {
  localized?: Record<string, unknown>;
  preferredLocale?: { country?: string; language?: string };
}

interface LinkedinMember {
  id?: string;
  firstName?: LocalizedName;
  lastName?: LocalizedName;
  profilePicture?: { 'displayImage~'?: { elements?: { identifiers?: { identifier?: string }[] }[] } };
}

interface LinkedinEmails {
  elements?: { 'handle~'?: { emailAddress?: string } }[];
}

/** The name in the member's preferred locale ("en_US"); nothing when LinkedIn does not have it. */
function localized(name: LocalizedName | undefined): string | undefined {
  const locale = name?.preferredLocale;
  return text(name?.localized?.[`${locale?.language ?? ''}_${locale?.country ?? ''}`]);
}

const MEMBER_PROJECTION = '(id,firstName,lastName,profilePicture(displayImage~:playableStreams))';

export const linkedin: ProviderDefinition = {
  name: 'linkedin',
  key: 'Linkedin',
  build: (settings) => {
    const api = host(settings, 'https://api.linkedin.com');
    return new OAuth2Provider({
      name: 'linkedin',
      ...clientOf(settings),
      authorizationEndpoint: `${api}/oauth/v2/authorization`,
      tokenEndpoint: `${api}/oauth/v2/accessToken`,
      scopes: ['r_emailaddress', 'r_liteprofile'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const member = await getJson<LinkedinMember>(`${api}/v2/me?projection=${MEMBER_PROJECTION}`);
        const emails = await getJson<LinkedinEmails>(`${api}/v2/emailAddress?q=members&projection=(elements*(handle~))`);
        const email = text(emails.elements?.[0]?.['handle~']?.emailAddress);
        const avatar = text(member.profilePicture?.['displayImage~']?.elements?.[0]?.identifiers?.[0]?.identifier);
        const name = joinName(localized(member.firstName), localized(member.lastName));
        return buildProfile({
          issuer: api,
          subject: member.id,
          emails: email ? [{ email, verified: true, primary: true }] : [],
          claims: { name, picture: avatar, avatar_url: avatar, full_name: name },
        });
      },
    });
  },
};
