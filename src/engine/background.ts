/** Work that runs beside the API for the daemon's life (renewals, the struggling-client watch). */
export interface BackgroundService {
  start(): void;
  stop(): Promise<void>;
}
