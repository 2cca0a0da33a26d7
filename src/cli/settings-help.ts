import { settingsSchema } from '../config/settings.js';

export function printSettings(): void {
  for (const definition of Object.values(settingsSchema)) {
    process.stdout.write(`${definition.env.join(' | ')}\n    ${definition.doc}\n    default: ${definition.defaultText}\n`);
  }
}
