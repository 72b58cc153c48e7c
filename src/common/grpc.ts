// Small helpers around @grpc/grpc-js used by every process's gRPC server.
import { Server, ServerCredentials } from '@grpc/grpc-js';

export async function bindGrpcServer(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(new Error(`cannot listen for gRPC on ${host}:${port}: ${error.message}`));
      else resolvePort(boundPort);
    });
  });
}

/** Graceful shutdown with a deadline, then force. */
export async function shutdownGrpcServer(server: Server, graceMs = 2_000): Promise<void> {
  await new Promise<void>((resolveDone) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolveDone();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolveDone();
    });
  });
}
