/** Discord: OAuth 2.0, profile from /api/users/@me; its avatar as a CDN URL (the default one by discriminator). */
import { OAuth2Provider } from '../oauth2-provider.js';
import { buildProfile } from '../profile.js';
import { clientOf, host, type ProviderDefinition } from './definition.js';

interface DiscordUser { id?: string; username?: string; global_name?: string; discriminator?: string; avatar?: string | null; email?: string | null; verified?: boolean }

function avatarUrl(user: DiscordUser): string {
  if (!user.avatar) return `https://cdn.discordapp.com/embed/avatars/${(Number.parseInt(user.discriminator ?? '0', 10) || 0) % 5}.png`;
  const extension = user.avatar.startsWith('a_') ? 'gif' : 'png';
  return `https://cdn.discordapp.com/avatars/${user.id}/${user.avatar}.${extension}`;
}

export const discord: ProviderDefinition = {
  name: 'discord',
  key: 'Discord',
  build: (settings) => {
    const api = `${host(settings, 'https://discord.com')}/api`;
    return new OAuth2Provider({
      name: 'discord',
      ...clientOf(settings),
      authorizationEndpoint: `${api}/oauth2/authorize`,
      tokenEndpoint: `${api}/oauth2/token`,
      scopes: ['email', 'identify'],
      clientAuthentication: 'client_secret_post',
      profile: async ({ getJson }) => {
        const user = await getJson<DiscordUser>(`${api}/users/@me`);
        const avatar = avatarUrl(user);
        return buildProfile({
          issuer: api,
          subject: user.id,
          emails: user.email ? [{ email: user.email, verified: Boolean(user.verified), primary: true }] : [],
          claims: { name: `${user.username ?? ''}#${user.discriminator ?? ''}`, picture: avatar, avatar_url: avatar, full_name: user.username },
          custom: { global_name: user.global_name ?? '' },
        });
      },
    });
  },
};
