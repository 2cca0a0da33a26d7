/** GOTRUE_SMS_TEMPLATE with the code in place of `{{ .Code }}` (the settings refuse any other action). */

/** `{{ .Code }}` with Go's trim markers: `{{-` eats the white space before it, `-}}` the white space after. */
const CODE_ACTION = /(\s*)\{\{(-?)\s*\.Code\s*(-?)\}\}(\s*)/g;

export function renderSmsTemplate(template: string, code: string): string {
  return template.replace(CODE_ACTION, (_match, before: string, trimBefore: string, trimAfter: string, after: string) =>
    `${trimBefore ? '' : before}${code}${trimAfter ? '' : after}`,
  );
}
