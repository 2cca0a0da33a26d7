/**
 * The Go html/template subset of mail templates: GoTrue's default and documented templates render;
 * values are escaped as html/template escapes them where they land (text, attributes, URLs and their
 * query); every construct outside the subset is refused naming it; and `foyer start` refuses a fetched
 * template it cannot render, naming the variable, on both engines.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileTemplate } from '../../src/mail/go-template.js';
import { createCliProject, runCli, type CliProject } from '../helpers/cli.js';
import { engines } from '../helpers/engines.js';
import { startTemplateServer, type TemplateServer } from '../helpers/template-server.js';

const render = (source: string, data: Record<string, unknown>) => compileTemplate(source).render(data);

describe('Go template subset of mail templates', () => {
  it("renders GoTrue's default templates and subjects", () => {
    const body = render(
      `<h2>Confirm your new email address</h2>\n\n<p>Follow the link below to confirm {{ .NewEmail }} as your new email address.</p>\n<p><a href="{{ .ConfirmationURL }}">Confirm new email address</a></p>`,
      { NewEmail: 'new@example.com', ConfirmationURL: 'http://h/verify?token=abc&type=email_change&redirect_to=http://s' },
    );
    assert.equal(
      body,
      `<h2>Confirm your new email address</h2>\n\n<p>Follow the link below to confirm new@example.com as your new email address.</p>\n<p><a href="http://h/verify?token=abc&amp;type=email_change&amp;redirect_to=http://s">Confirm new email address</a></p>`,
    );
    assert.equal(render('{{ .Token }} is your verification code', { Token: '123456' }), '123456 is your verification code');
  });

  it('escapes text and attribute values as html/template does', () => {
    const data = { Data: { name: `<script>alert("x")</script> & 'y' + z` } };
    assert.equal(render('<p>{{ .Data.name }}</p>', data), '<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;y&#39; &#43; z</p>');
    assert.equal(render(`<p title="{{ .Data.name }}">t</p>`, data), '<p title="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;y&#39; &#43; z">t</p>');
  });

  it('filters unsafe URL schemes, normalises URLs and query-escapes values in the query', () => {
    const link = '<a href="{{ .Data.url }}">x</a>';
    assert.equal(render(link, { Data: { url: 'javascript:alert(1)' } }), '<a href="#ZgotmplZ">x</a>');
    assert.equal(render(link, { Data: { url: 'JavaScript:alert(1)' } }), '<a href="#ZgotmplZ">x</a>');
    assert.equal(render(link, { Data: { url: 'data:text/html,x' } }), '<a href="#ZgotmplZ">x</a>');
    assert.equal(render(link, { Data: { url: 'https://a.test/x y"z' } }), '<a href="https://a.test/x%20y%22z">x</a>');
    assert.equal(render(link, { Data: { url: 'mailto:a@b.test' } }), '<a href="mailto:a@b.test">x</a>');
    assert.equal(
      render('<a href="{{ .SiteURL }}/confirm?token_hash={{ .TokenHash }}&next={{ .RedirectTo }}">x</a>', { SiteURL: 'http://s', TokenHash: 'a b', RedirectTo: 'http://r/?a=1&b=2' }),
      '<a href="http://s/confirm?token_hash=a%20b&next=http%3A%2F%2Fr%2F%3Fa%3D1%26b%3D2">x</a>',
    );
  });

  it('if / else if / else with fields, eq, ne and not; missing fields write nothing', () => {
    const source = '{{ if eq .Data.locale "fr" "fr-CA" }}Bonjour{{ else if ne .Data.locale "en" }}Hola{{ else if not .Data.name }}Hi{{ else }}Hello {{ .Data.name }}{{ end }}';
    assert.equal(render(source, { Data: { locale: 'fr-CA' } }), 'Bonjour');
    assert.equal(render(source, { Data: { locale: 'es' } }), 'Hola');
    assert.equal(render(source, { Data: { locale: 'en' } }), 'Hi');
    assert.equal(render(source, { Data: { locale: 'en', name: 'Ann' } }), 'Hello Ann');
    assert.equal(render('[{{ .Data.missing }}{{ .Nothing.deeper }}]', { Data: {} }), '[]');
    assert.equal(render('{{ if .Data }}set{{ else }}empty{{ end }}', { Data: {} }), 'empty', "an empty map is false in Go");
  });

  it('trim markers, comments, and HTML comments left out', () => {
    assert.equal(render('a   {{- .X -}}   b{{/* note */}}', { X: 1 }), 'a1b');
    assert.equal(render('<p>a<!-- {{ .X }} secret --></p>', { X: 'x' }), '<p>a</p>');
  });

  it('refuses every construct outside the subset, naming it', () => {
    const refusals: [string, RegExp][] = [
      ['{{ range .Data }}{{ . }}{{ end }}', /\{\{ range \}\} is not supported/],
      ['{{ with .Data }}x{{ end }}', /\{\{ with \}\} is not supported/],
      ['{{ template "x" }}', /\{\{ template \}\} is not supported/],
      ['{{ define "x" }}y{{ end }}', /\{\{ define \}\} is not supported/],
      ['{{ .Token | urlquery }}', /pipelines \(\|\) are not supported/],
      ['{{ printf "%s" .Token }}', /\{\{ printf \}\} is not supported/],
      ['{{ $x := .Token }}', /template variables \(\$x\) are not supported/],
      ['{{ if and .A .B }}x{{ end }}', /the function or keyword "and" is not supported/],
      ['<script>var t = "{{ .Token }}"</script>', /cannot be placed inside <script>/],
      ['<style>p { color: {{ .Data.c }} }</style>', /cannot be placed inside <style>/],
      ['<a onclick="go({{ .Token }})">', /onclick event handler/],
      ['<p style="color: {{ .Data.c }}">', /in the style attribute/],
      ['<a href={{ .ConfirmationURL }}>', /unquoted value of the href attribute/],
      ['<p {{ .Data.attr }}>', /inside the <p> tag/],
      ['{{ if .A }}<a href="{{ end }}">', /branches of an \{\{ if \}\} end in different places/],
      ['{{ if .A }}x', /never closed with \{\{ end \}\}/],
      ['{{ end }}', /without a matching \{\{ if \}\}/],
      ['{{ .Token }', /never closed/],
    ];
    for (const [source, message] of refusals) assert.throws(() => compileTemplate(source), message, source);
  });
});

for (const engine of engines) {
  describe(`foyer start with a template it cannot render (${engine})`, () => {
    let project: CliProject;
    let templates: TemplateServer;
    before(async () => {
      project = await createCliProject(engine);
      templates = await startTemplateServer({ '/recovery.html': { body: '<p>{{ range .Data }}{{ . }}{{ end }}</p>' } });
    });
    after(async () => {
      await templates.close();
      await project.close();
    });

    it('stops, naming the variable and the construct', async () => {
      const result = await runCli(project, ['start'], { PORT: '0', GOTRUE_MAILER_TEMPLATES_RECOVERY: `${templates.base}/recovery.html` });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /GOTRUE_MAILER_TEMPLATES_RECOVERY: http:\/\/127\.0\.0\.1:\d+\/recovery\.html: \{\{ range \}\} is not supported: \{\{ range \.Data \}\}/);
    });
  });
}
