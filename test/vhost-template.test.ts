import { describe, expect, it } from 'vitest';
import { nginxRejected } from '../src/nginx/messages.js';
import { renderTemplate, TemplateError } from '../src/nginx/template.js';

describe('template format', () => {
  it('inserts values, blocks and lists, and refuses values that could become nginx syntax', () => {
    const tpl =
      '{{#each listen as a}}\nlisten {{ a }}:{{ port }};\n{{/each}}\n{{#if tls}}\nssl on;\n{{/if}}\n{{#unless tls}}\nplain;\n{{/unless}}\nserver_name {{ names }};\n';
    expect(
      renderTemplate(tpl, { listen: ['127.0.0.1', '[::1]'], port: 80, tls: false, names: ['a.test', 'www.a.test'] }),
    ).toBe('listen 127.0.0.1:80;\nlisten [::1]:80;\nplain;\nserver_name a.test www.a.test;\n');
    for (const bad of ['a;b', 'a b', 'a{', 'a}', "a'", 'a"', 'a\\b', '$host', 'a#b', 'a\nb', '']) {
      expect(() => renderTemplate('root {{ v }};', { v: bad }), JSON.stringify(bad)).toThrow(TemplateError);
    }
    expect(() => renderTemplate('{{ nope }}', {})).toThrow(/unknown variable "nope"/);
    expect(() => renderTemplate('{{#if a}}x', { a: true })).toThrow(/never closed/);
    expect(() => renderTemplate('{{#if a}}x{{/unless}}', { a: true })).toThrow(/closes the/);
  });

  it("explains nginx's own messages in plain words, keeping the raw output for admins", () => {
    const raw =
      'nginx: [emerg] unknown directive "serein_bogus" in /etc/nginx/sites/x.conf:4\nnginx: configuration file /etc/nginx/nginx.conf test failed';
    const e = nginxRejected(raw, ['/etc/nginx/sites/x.conf.rejected']);
    expect(e.code).toBe('nginx_rejected');
    expect(e.userMessage.en).toMatch(/instruction nginx does not know: "serein_bogus"/);
    expect(e.userMessage.fr).toMatch(/instruction inconnue de nginx/);
    expect(e.detail).toContain('/etc/nginx/sites/x.conf:4');
    expect(e.detail).toContain('x.conf.rejected');
    expect(
      nginxRejected(
        'nginx: [emerg] could not build server_names_hash, you should increase server_names_hash_bucket_size: 64',
      ).userMessage.en,
    ).toMatch(/too long/);
  });
});
