import type { Config, WebserverConfig } from '../config/schema.js';
import type { Language, Localized } from '../errors.js';

/**
 * Server paths in words a client understands. Where a site's nginx file, its logs, its
 * folder, its key or serein's state live on the provider's servers is for admins: a
 * client can do nothing with `/etc/nginx/sites/shop.example.com.conf` but learn how the
 * servers are laid out. So what a client reads names the thing ("the web server's
 * settings for shop.example.com", "the folder of shop.example.com") instead of its path.
 * The paths are those the configuration names (every absolute path in it, the web
 * servers' folders told apart); a path a client typed elsewhere is its own and stays.
 */
export class ServerWords {
  /** The configured folders and files, longest first: a folder inside another is matched first. */
  private readonly places: Place[];

  constructor(config: Config) {
    const places: Place[] = [];
    for (const ws of Object.values(config.webservers) as WebserverConfig[]) {
      places.push(
        { at: trim(ws.vhostDir), words: settingsWords },
        { at: trim(ws.certDir), words: keyWords },
        { at: trim(ws.logDir), words: logWords },
        { at: trim(ws.webRoot), words: folderWords },
      );
    }
    for (const p of absolutePaths(config)) places.push({ at: trim(p), words: () => SERVER_FILE });
    this.places = places.filter((p) => p.at.length > 1).sort((a, b) => b.at.length - a.at.length);
  }

  /** The words for one path, or undefined when the configuration does not name where it is. */
  path(path: string, language: Language): string | undefined {
    for (const place of this.places) {
      if (path !== place.at && !path.startsWith(`${place.at}/`)) continue;
      return place.words(path.slice(place.at.length + 1))[language];
    }
    return undefined;
  }

  /** Text with every server path in it told in words (a sentence's final dot stays a dot). */
  text(text: string, language: Language): string {
    return text.replace(PATH_IN_TEXT, (found) => {
      const end = /[.:!?]+$/.exec(found)?.[0] ?? '';
      const path = found.slice(0, found.length - end.length);
      const words = this.path(path, language);
      return words === undefined ? found : words + end;
    });
  }

  /** Every string in a JSON value told through text(); keys, numbers and a certificate's PEM are kept. */
  value<T>(value: T, language: Language): T {
    if (typeof value === 'string') return (value.startsWith('-----BEGIN ') ? value : this.text(value, language)) as T;
    if (Array.isArray(value)) return value.map((v) => this.value(v, language)) as T;
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v, language)])) as T;
    return value;
  }
}

const cache = new WeakMap<Config, ServerWords>();

/** The words for one daemon's configuration, made once. */
export function serverWords(config: Config): ServerWords {
  let words = cache.get(config);
  if (!words) cache.set(config, (words = new ServerWords(config)));
  return words;
}

interface Place {
  at: string;
  /** The words for what lies at `rest` under this place ('' for the place itself). */
  words: (rest: string) => Localized;
}

/**
 * A path in running text: a slash that starts a word (not one inside a URL, a date or a
 * number), then anything but spaces, quotes and brackets. The `‹site›` of a plan stays in.
 */
const PATH_IN_TEXT = /(?<![\w.:/~+=@%-])\/[^\s"'`;,()<>[\]{}«»|*]*/g;

const SERVER_FILE: Localized = { en: 'a server file', fr: 'un fichier du serveur' };

const trim = (p: string) => p.replace(/\/+$/, '');

/** The first part of what lies under a place: the site it is named after. */
const siteOf = (rest: string) => rest.split('/')[0];

/** `<vhostDir>/<site>.conf` (and the copies kept beside it: .conf.rejected...). */
function settingsWords(rest: string): Localized {
  const site = /^([^/]+?)\.conf(?:\.[^/]*)?$/.exec(rest)?.[1];
  if (!site) return SERVER_FILE;
  return { en: `the web server's settings for ${site}`, fr: `la configuration du serveur web pour ${site}` };
}

/** `<certDir>/<site>/fullchain.pem`, `privkey.pem`: the files of the site's secure connection. */
function keyWords(rest: string): Localized {
  const site = siteOf(rest);
  if (!site) return SERVER_FILE;
  return { en: `on the server, for ${site}`, fr: `sur le serveur, pour ${site}` };
}

/** `<logDir>/<site>.access.log`, `<site>.error.log`. */
function logWords(rest: string): Localized {
  const m = /^([^/]+?)\.(access|error)\.log(?:\.[^/]*)?$/.exec(rest);
  if (!m) return SERVER_FILE;
  return m[2] === 'access'
    ? { en: `the visitor log of ${m[1]}`, fr: `le journal des visites de ${m[1]}` }
    : { en: `the error log of ${m[1]}`, fr: `le journal des erreurs de ${m[1]}` };
}

/** `<webRoot>/<site>[/<folder>...]`: the site's own folder, or a folder in it. */
function folderWords(rest: string): Localized {
  const site = siteOf(rest);
  if (!site) return { en: 'the folder of the sites', fr: 'le dossier des sites' };
  const inside = rest.slice(site.length + 1).replace(/\/+$/, '');
  if (!inside) return { en: `the folder of ${site}`, fr: `le dossier de ${site}` };
  return {
    en: `the folder "${inside}" in the folder of ${site}`,
    fr: `le dossier « ${inside} » dans le dossier de ${site}`,
  };
}

/** Every absolute path the configuration names (state, store, keys, sockets, nginx's own files...), wherever it is. */
function absolutePaths(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (/^\/[^\s/]/.test(value)) found.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) absolutePaths(v, found);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) absolutePaths(v, found);
  }
  return found;
}
