import type { Localized, OperationError } from '../errors.js';
import { nginxRejectedError } from './errors.js';

/**
 * Turns what `nginx -t` prints into plain words for the person who asked for the change,
 * because "[emerg] unexpected "}" in /etc/nginx/sites/x.conf:12" means nothing to a
 * client. The raw output always travels with the error as admin-only detail.
 */

interface Rule {
  re: RegExp;
  say(m: RegExpExecArray): { what: Localized; fix: Localized };
}

const PROVIDER_FIX: Localized = {
  en: 'Nothing was changed on the running web server. Your provider has the details and must fix the site template or server settings.',
  fr: "Rien n'a été modifié sur le serveur web en service. Votre hébergeur a les détails et doit corriger le modèle de site ou les réglages du serveur.",
};

const RULES: Rule[] = [
  {
    re: /could not build server_names_hash, you should increase server_names_hash_bucket_size/,
    say: () => ({
      what: {
        en: 'one of the site names is too long for this web server.',
        fr: 'un des noms du site est trop long pour ce serveur web.',
      },
      fix: {
        en: 'Use a shorter name, or ask your provider to raise server_names_hash_bucket_size. Nothing was changed.',
        fr: 'Utilisez un nom plus court, ou demandez à votre hébergeur d’augmenter server_names_hash_bucket_size. Rien n’a été modifié.',
      },
    }),
  },
  {
    re: /invalid server name or wildcard "([^"]*)"/,
    say: (m) => ({
      what: {
        en: `the web server does not accept the name "${m[1]}".`,
        fr: `le serveur web n'accepte pas le nom « ${m[1]} ».`,
      },
      fix: {
        en: 'Use a plain name such as www.example.com. Nothing was changed.',
        fr: "Utilisez un nom simple comme www.exemple.fr. Rien n'a été modifié.",
      },
    }),
  },
  {
    re: /host not found in upstream "([^"]*)"/,
    say: (m) => ({
      what: {
        en: `the application address "${m[1]}" cannot be found from the web server.`,
        fr: `l'adresse d'application « ${m[1]} » est introuvable depuis le serveur web.`,
      },
      fix: {
        en: 'Check the address of the application to forward to (an IP address and port, or a name the server can resolve). Nothing was changed.',
        fr: "Vérifiez l'adresse de l'application vers laquelle transférer (une adresse IP et un port, ou un nom que le serveur sait résoudre). Rien n'a été modifié.",
      },
    }),
  },
  {
    re: /(?:cannot load certificate(?: key)?|BIO_new_file\(\) failed)[^"]*"([^"]*)"/,
    say: (m) => ({
      what: {
        en: `the certificate file ${m[1]} is missing or unreadable.`,
        fr: `le fichier de certificat ${m[1]} est absent ou illisible.`,
      },
      fix: {
        en: 'Issue or install the certificate again. Nothing was changed.',
        fr: "Émettez ou installez de nouveau le certificat. Rien n'a été modifié.",
      },
    }),
  },
  {
    re: /open\(\) "([^"]*)" failed \((\d+): ([^)]*)\)/,
    say: (m) => ({
      what: {
        en: `the configuration refers to ${m[1]}, which the web server cannot open (${m[3]}).`,
        fr: `la configuration fait référence à ${m[1]}, que le serveur web ne peut pas ouvrir (${m[3]}).`,
      },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /unknown directive "([^"]*)"/,
    say: (m) => ({
      what: {
        en: `the configuration uses an instruction nginx does not know: "${m[1]}".`,
        fr: `la configuration utilise une instruction inconnue de nginx : « ${m[1]} ».`,
      },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /invalid number of arguments in "([^"]*)" directive/,
    say: (m) => ({
      what: {
        en: `the instruction "${m[1]}" has a wrong number of values.`,
        fr: `l'instruction « ${m[1]} » n'a pas le bon nombre de valeurs.`,
      },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /"([^"]*)" directive is not allowed here/,
    say: (m) => ({
      what: {
        en: `the instruction "${m[1]}" is in a place where nginx does not allow it.`,
        fr: `l'instruction « ${m[1]} » est à un endroit où nginx ne l'autorise pas.`,
      },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /"([^"]*)" directive is duplicate/,
    say: (m) => ({
      what: {
        en: `the instruction "${m[1]}" appears twice where only one is allowed.`,
        fr: `l'instruction « ${m[1]} » apparaît deux fois là où une seule est permise.`,
      },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /duplicate location "([^"]*)"/,
    say: (m) => ({
      what: { en: `the location "${m[1]}" is declared twice.`, fr: `l'emplacement « ${m[1]} » est déclaré deux fois.` },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /duplicate upstream "([^"]*)"/,
    say: (m) => ({
      what: { en: `the upstream "${m[1]}" is declared twice.`, fr: `l'upstream « ${m[1]} » est déclaré deux fois.` },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /unexpected end of file, expecting "([^"]*)"/,
    say: (m) => ({
      what: {
        en: `the configuration ends too early: a "${m[1]}" is missing (an unclosed block).`,
        fr: `la configuration se termine trop tôt : il manque un « ${m[1]} » (un bloc non fermé).`,
      },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /unexpected "([^"]*)"/,
    say: (m) => ({
      what: {
        en: `the configuration has an unexpected "${m[1]}" (unbalanced braces or a missing ";").`,
        fr: `la configuration contient un « ${m[1]} » inattendu (accolades déséquilibrées ou « ; » manquant).`,
      },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /directive "([^"]*)" has no opening "\{"|directive "([^"]*)" is not terminated by ";"/,
    say: (m) => ({
      what: {
        en: `the instruction "${m[1] ?? m[2]}" is not properly ended.`,
        fr: `l'instruction « ${m[1] ?? m[2]} » n'est pas correctement terminée.`,
      },
      fix: PROVIDER_FIX,
    }),
  },
  {
    re: /no "ssl_certificate" is defined/,
    say: () => ({
      what: {
        en: 'HTTPS is enabled but no certificate is configured.',
        fr: "HTTPS est activé mais aucun certificat n'est configuré.",
      },
      fix: {
        en: 'Issue a certificate for the site first. Nothing was changed.',
        fr: "Émettez d'abord un certificat pour le site. Rien n'a été modifié.",
      },
    }),
  },
  {
    re: /invalid (?:port|host) in "([^"]*)"/,
    say: (m) => ({
      what: {
        en: `the address "${m[1]}" is not valid for nginx.`,
        fr: `l'adresse « ${m[1]} » n'est pas valide pour nginx.`,
      },
      fix: PROVIDER_FIX,
    }),
  },
];

/** The first [emerg] / [crit] / [alert] line: the one that made the test fail. */
export function nginxFailureLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (
    lines.find((l) => /\[(emerg|crit|alert)\]/.test(l)) ??
    lines.find((l) => /\[error\]/.test(l)) ??
    lines.find((l) => !/test (failed|is successful)|syntax is ok/.test(l)) ??
    lines[0] ??
    'nginx gave no output'
  ).replace(/^nginx: /, '');
}

/** Where nginx says the problem is (file:line), when it says so. */
function location(line: string): string | undefined {
  return / in (\/[^\s]+:\d+)\s*$/.exec(line)?.[1];
}

/**
 * The error a caller receives when nginx refused the configuration: nginx's own
 * complaint in plain words (en/fr) and the fix, with the raw output as admin detail.
 */
export function nginxRejected(output: string, rejectedFiles: string[] = []): OperationError {
  const line = nginxFailureLine(output);
  let said: { what: Localized; fix: Localized } | undefined;
  for (const rule of RULES) {
    const m = rule.re.exec(line) ?? rule.re.exec(output);
    if (m) {
      said = rule.say(m);
      break;
    }
  }
  const what = said?.what ?? { en: `nginx reported: ${line}`, fr: `nginx a signalé : ${line}` };
  const where = location(line);
  const kept = rejectedFiles.length ? ` Rejected file kept for diagnosis: ${rejectedFiles.join(', ')}.` : '';
  return nginxRejectedError(
    what,
    said?.fix ?? PROVIDER_FIX,
    `nginx -t failed${where ? ` at ${where}` : ''}: ${output.trim()}${kept}`,
  );
}

/** Dry-run plan lines shared by every action that publishes an nginx change. */
export const PLAN_TEST_NGINX: Localized = {
  en: 'test the whole web server (nginx) configuration',
  fr: 'tester toute la configuration du serveur web (nginx)',
};
export const PLAN_RELOAD_NGINX: Localized = {
  en: 'reload the web server (nginx) without interrupting visitors',
  fr: 'recharger le serveur web (nginx) sans interrompre les visiteurs',
};
