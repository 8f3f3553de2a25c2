import type { Intent } from '../intents.js';
import type { Slots } from './expand.js';

/**
 * Templates for the newer site operations, in both languages (./index.ts adds them to
 * ./en.ts's and ./fr.ts's): file access to a site the client already has (sftp.create),
 * a new password for it (sftp.reset), and a complete site for an application with its
 * database (site.environment). Their hand phrasings are a dozen each, too few for the
 * model to tell "FTP access for my shop" from a new site or "lost my FTP login" from a
 * person's password topic. "An FTP for a new site" stays a new site (./en.ts's vhost.create).
 */

/** English pieces these templates use beside ./en.ts's slots. */
export const ACCESS_SLOTS_EN: Slots = {
  ftp: [
    'ftp',
    'sftp',
    'FTP',
    'SFTP',
    'filezilla',
    'FileZilla',
    'ftp access',
    'sftp access',
    'file access',
    'ftp login',
    'sftp credentials',
  ],
  ftpAccess: [
    'an ftp account',
    'an sftp login',
    'ftp access',
    'sftp access',
    'ftp credentials',
    'a login for filezilla',
    'an ftp user',
    'sftp credentials',
    'a way to upload files',
    'file access',
  ],
  ftpSecret: ['ftp password', 'sftp password', 'filezilla password', 'ftp login', 'ftp credentials', 'sftp pwd'],
  lostVerb: ['lost', 'forgot', 'misplaced', 'no longer have', "can't find", 'deleted the email with'],
  who: [
    'my developer',
    'our web agency',
    'the designer',
    'my webmaster',
    'a freelancer',
    'my nephew',
    'our contractor',
  ],
  app: ['wordpress', 'WordPress', 'wp', 'a wordpress', 'joomla', 'prestashop', 'drupal', 'woocommerce', 'nextcloud'],
  full: [
    'with its database',
    'with a database',
    'with a db and ftp',
    'database included',
    'with mysql',
    'with everything it needs',
    'site, database and ftp',
    'with the db',
  ],
};

/** French pieces these templates use beside ./fr.ts's slots. */
export const ACCESS_SLOTS_FR: Slots = {
  ftp: ['ftp', 'sftp', 'FTP', 'SFTP', 'filezilla', 'FileZilla', 'accès ftp', 'accès sftp', 'identifiants ftp'],
  ftpAccess: [
    'un accès ftp',
    'un accès sftp',
    'un compte ftp',
    'des identifiants ftp',
    'des identifiants sftp',
    'un login filezilla',
    'des codes ftp',
    'un utilisateur ftp',
    'un accès pour déposer les fichiers',
    'des accès ftp',
  ],
  ftpSecret: [
    'mot de passe ftp',
    'mot de passe sftp',
    'mdp ftp',
    'mot de passe filezilla',
    'identifiants ftp',
    'codes ftp',
    'accès ftp',
  ],
  perdu: ['perdu', 'oublié', 'égaré', 'paumé', 'effacé le mail avec', 'plus'],
  qui: ['mon développeur', 'notre agence web', 'le graphiste', 'mon webmaster', 'un prestataire', 'mon neveu'],
  app: ['wordpress', 'WordPress', 'wp', 'un wordpress', 'joomla', 'prestashop', 'drupal', 'woocommerce', 'nextcloud'],
  complet: [
    'avec sa base de données',
    'avec une base',
    'avec une bdd et un ftp',
    'base comprise',
    'avec mysql',
    'avec tout ce qu’il faut',
    'site, base et ftp',
    'avec la base',
  ],
};

/** Per operation, English templates. */
export const ACCESS_TEMPLATES_EN: Record<Intent, string[]> = {
  'sftp.create': [
    '{want} {ftpAccess} for {site}',
    '{can} give me {ftpAccess} to {site}',
    '{can} {createVerb} {ftpAccess} on {site}',
    '{who} needs {ftpAccess} for {site}',
    '{who} has to upload files to {site}, {can} give them {ftpAccess}',
    'how do I connect to {site} with filezilla? I have no login',
    'I want to upload my files to {site} with {ftp}',
    '{ftp} for {site} {pls}',
    '{can} send me the {ftp} details of {site}',
    'what are my {ftp} credentials for {site}? I never got any',
    'I have no {ftp} on {site} yet, {can} set one up',
    '{can} open {ftpAccess} on the existing site {host}',
  ],
  'sftp.reset': [
    'I {lostVerb} the {ftpSecret} of {site}',
    'I {lostVerb} my {ftpSecret} for {site}, {can} make a new one',
    '{can} reset the {ftpSecret} of {site}',
    'new {ftpSecret} for {site} {pls}',
    'filezilla says the password is wrong on {site}, {want} a new one',
    'my {ftpSecret} for {site} stopped working, {can} change it',
    '{can} change the {ftpSecret} of {site}, {who} left the company',
    'the {ftpSecret} of {site} leaked, change it {pls}',
    'authentication failed in filezilla for {site}, {want} a new password',
    '{want} a fresh {ftpSecret} for {site}',
  ],
  'site.environment': [
    '{want} {app} site on {host} {full}',
    '{can} set up {app} on {host} {full}',
    '{can} install {app} on {host} {pls}',
    'a new {app} for {host} {pls}',
    '{want} to start {app} blog on {host}',
    '{can} prepare everything for {app} on {host}: site, database and ftp',
    '{want} a complete hosting for {host} {full}',
    '{can} {createVerb} a new site {host} {full}',
    'new site {host} {full} {pls}',
    'everything {who} needs to build {app} site on {host}',
    '{want} {host} ready for {app}',
  ],
};

/** Per operation, French templates. */
export const ACCESS_TEMPLATES_FR: Record<Intent, string[]> = {
  'sftp.create': [
    '{veux} {ftpAccess} pour {site}',
    '{peux} me donner {ftpAccess} sur {site}',
    '{peux} {creer} {ftpAccess} pour {site}',
    '{qui} voudrait {ftpAccess} pour {site}',
    '{qui} doit déposer des fichiers sur {site}, {peux} lui donner {ftpAccess}',
    "comment je me connecte à {site} avec filezilla ? je n'ai pas d'identifiant",
    '{veux} envoyer mes fichiers sur {site} par {ftp}',
    '{ftp} pour {site} {svp}',
    '{peux} m’envoyer les accès {ftp} de {site}',
    "je n'ai pas encore d'accès {ftp} sur {site}, {peux} en créer un",
    '{peux} ouvrir {ftpAccess} sur le site existant {host}',
  ],
  'sftp.reset': [
    "j'ai {perdu} le {ftpSecret} de {site}",
    "j'ai {perdu} mon {ftpSecret} pour {site}, {peux} m'en refaire un",
    '{peux} réinitialiser le {ftpSecret} de {site}',
    'nouveau {ftpSecret} pour {site} {svp}',
    'filezilla me dit mot de passe incorrect sur {site}, {veux} un nouveau',
    'mon {ftpSecret} de {site} ne marche plus, {peux} le changer',
    '{peux} changer le {ftpSecret} de {site}, {qui} est parti',
    'le {ftpSecret} de {site} a fuité, changez-le {svp}',
    '{veux} un nouveau mot de passe pour le ftp de {site}',
    '{ftpSecret} perdus pour {site}',
  ],
  'site.environment': [
    '{veux} un site {app} sur {host} {complet}',
    '{peux} installer {app} sur {host} {svp}',
    '{peux} mettre en place {app} sur {host} {complet}',
    'un nouveau {app} pour {host} {svp}',
    '{veux} lancer un blog {app} sur {host}',
    '{peux} tout préparer pour {app} sur {host} : site, base et ftp',
    '{veux} un hébergement complet pour {host} {complet}',
    '{peux} {creer} un nouveau site {host} {complet}',
    'nouveau site {host} {complet} {svp}',
    'tout ce qu’il faut à {qui} pour monter un site {app} sur {host}',
    '{veux} que {host} soit prêt pour {app}',
  ],
};
