/** The operations a request can be understood as, and `human` for what serein cannot do. Apart from the classifier so the API's schema can name them without loading it. */
export const INTENTS = ['certificate.issue', 'vhost.create', 'database.create', 'dns.fix', 'human'] as const;
/** One of {@link INTENTS}. */
export type Intent = (typeof INTENTS)[number];
/** The two languages serein speaks. */
export type Language = 'en' | 'fr';
