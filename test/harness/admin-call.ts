// Calling an authenticated admin gRPC service from tests, with the right,
// a wrong or no bearer credential.
import { Metadata, type Client, type ServiceError } from '@grpc/grpc-js';

/** Returns `call(method, request, bearer?)`; `bearer` defaults to `token()`, null sends no credential. */
export function adminCaller(client: () => Client, token: () => string) {
  return function call<Res>(method: string, request: object, bearer: string | null = token()): Promise<Res> {
    const metadata = new Metadata();
    if (bearer !== null) metadata.set('authorization', `Bearer ${bearer}`);
    return new Promise((resolve, reject) => {
      (client() as any)[method](request, metadata, (error: ServiceError | null, response: Res) => (error ? reject(error) : resolve(response)));
    });
  };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}
