// GET /ready: whether a load balancer should send this gate new players.
// /health only says the process is alive; ready also needs every data-plane
// worker up, the registry reached at least once (a gate that never saw the
// registry cannot route), and no drain under way.
import { HttpReply } from '../common/health-http.js';

export interface ReadinessProbes {
  workers(): { ready: number; total: number };
  /** Whether the registry answers now; a static registry always does. */
  registryConnected(): boolean;
}

export interface ReadinessReport {
  ready: boolean;
  /** Why not, in words an operator can act on; empty when ready. */
  reasons: string[];
  workers: { ready: number; total: number };
  registry_reached: boolean;
  draining: boolean;
}

export class Readiness {
  private draining = false;
  private registryReached = false;

  constructor(private readonly probes: ReadinessProbes) {}

  /** The drain (shutdown or operator request) calls this first, so balancers stop sending players here. */
  setDraining(draining: boolean): void {
    this.draining = draining;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  check(): ReadinessReport {
    const workers = this.probes.workers();
    this.registryReached ||= this.probes.registryConnected();
    const reasons: string[] = [];
    if (workers.total === 0 || workers.ready < workers.total) reasons.push(`${workers.ready} of ${workers.total} data-plane workers are up`);
    if (!this.registryReached) reasons.push('the registry has not been reached yet');
    if (this.draining) reasons.push('the gate is draining');
    return { ready: reasons.length === 0, reasons, workers, registry_reached: this.registryReached, draining: this.draining };
  }

  /** 200 with the report when ready, 503 with it when not. */
  reply(): HttpReply {
    const report = this.check();
    return new HttpReply(report.ready ? 200 : 503, report);
  }
}
