/**
 * src/scenario/driver — the driver action language (DESIGN.md "Driver action language") and MM driver
 * packaging: YAML action lists → x86-64 code using the supervisor's syscall ABI and the user MMST →
 * PE32+ images → FFS files with MM_DEPEX. See README.md for the ABI of each action.
 */
export * from './driver-action';
export * from './driver-errors';
export { parseActionList, type DocStringSource, type ParseActionsOptions } from './action-parser';
export { compileActions, type CompileActionsOptions } from './action-compiler';
export { buildDriverImage, DRIVER_ENTRY_LABEL } from './driver-image';
export { buildDriverFile, BROKER_READY_PROTOCOL, driverGuidFor, type DriverFileSpec, linkBrokerReadyDepex } from './driver-file';
export { loadDriverFixture, parseDriverFixture } from './driver-fixture';
export { SAVE_STATE_REGISTERS, saveStateRegisterFromName } from './save-state-registers';
