import type { MmiHandlerDatabase } from '../handler/mmi-handler-database';
import type { SupervisorMmiHandler } from '../handler/mmi-handler-interfaces';
import { SupervisorGuids as G } from './supervisor-guids';

export interface SupervisorMmiHandlerSet {
  dispatch: SupervisorMmiHandler;
  readyToLock: SupervisorMmiHandler;
  request: SupervisorMmiHandler;
  exitBootServices: SupervisorMmiHandler;
}

export interface SupervisorMmiHandles {
  dispatch: bigint;
  readyToLock: bigint;
  request: bigint;
  exitBootServices: bigint;
}

/**
 * §1.5 step 8: the four supervisor MMI handlers in this order — dispatch (2E135DA6-…, removed at ready-to-lock),
 * ready-to-lock (60FF8964-…, removed at ready-to-lock), request (8C633B23-…, permanent), ExitBootServices
 * (27ABF055-…, permanent).
 */
export function registerSupervisorMmiHandlers(db: MmiHandlerDatabase, h: SupervisorMmiHandlerSet): SupervisorMmiHandles {
  return {
    dispatch: db.registerSupervisor(h.dispatch, G.driverDispatch),
    readyToLock: db.registerSupervisor(h.readyToLock, G.dxeMmReadyToLock),
    request: db.registerSupervisor(h.request, G.requestHandler),
    exitBootServices: db.registerSupervisor(h.exitBootServices, G.exitBootServices),
  };
}
