/** Every provider of GoTrue's that Foyer serves besides Google and GitHub (src/auth/oauth/providers.ts). */
import { apple } from './apple.js';
import { azure } from './azure.js';
import { bitbucket } from './bitbucket.js';
import type { ProviderDefinition } from './definition.js';
import { discord } from './discord.js';
import { facebook } from './facebook.js';
import { figma } from './figma.js';
import { fly } from './fly.js';
import { gitlab } from './gitlab.js';
import { kakao } from './kakao.js';
import { keycloak } from './keycloak.js';
import { linkedin } from './linkedin.js';
import { linkedinOidc } from './linkedin-oidc.js';
import { notion } from './notion.js';
import { slack, slackOidc } from './slack.js';
import { snapchat } from './snapchat.js';
import { spotify } from './spotify.js';
import { twitch } from './twitch.js';
import { twitter } from './twitter.js';
import { vercelMarketplace } from './vercel-marketplace.js';
import { workos } from './workos.js';
import { x } from './x.js';
import { zoom } from './zoom.js';

export type { ProviderDefinition, ProviderSettings } from './definition.js';

export const catalogue: readonly ProviderDefinition[] = [
  apple, azure, bitbucket, discord, facebook, figma, fly, gitlab, kakao, keycloak, linkedin, linkedinOidc,
  notion, slack, slackOidc, snapchat, spotify, twitch, twitter, vercelMarketplace, workos, x, zoom,
];
