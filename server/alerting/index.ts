/**
 * Public API of the pure alerting core. Imports nothing of the app and does no I/O;
 * time is always passed in as `now` (epoch ms).
 */
export type * from './types.ts';
export {
  DEFAULT_ALERT_POLICY,
  effectiveThreshold,
  evaluatePort,
  initialPortState,
  isCheckable,
  isIncidentPhase,
  pausePort,
  resumePort,
  wantsFastRetry,
} from './port.ts';
export { closeHost, evaluateHost, initialHostState, reconcileHost, reevaluateHeld, removePort } from './host.ts';
export { portRecord, withPort } from './port-record.ts';
export {
  DEFAULT_GUARD_POLICY,
  forgetCanary,
  guardSnapshot,
  initialGuardState,
  isHeld,
  networkOf,
  recordCanary,
  recordCheck,
  tickGuard,
} from './guard.ts';
export type {
  CanaryState,
  DegradedReason,
  GuardAction,
  GuardPolicy,
  GuardSample,
  GuardSnapshot,
  GuardState,
  GuardWindow,
} from './guard.ts';
export {
  isInMaintenance,
  isWindowActive,
  localMinuteOfWeek,
  maintenanceProblems,
  validateMaintenanceWindow,
} from './maintenance.ts';
export {
  deleteMonitor,
  evaluate,
  initialMonitorState,
  pauseMonitor,
  portPhases,
  reconcileMonitor,
  releaseHeld,
  resumeMonitor,
  setMonitorPorts,
} from './monitor.ts';
export type { MonitorAction, MonitorAlertState, MonitorCheck, MonitorPolicy } from './monitor.ts';
export {
  DEFAULT_FLAP_POLICY,
  FLAP_LIMITS,
  effectiveFlapPolicy,
  evaluateFlap,
  flapFigures,
  initialFlapState,
  passesFlapThreshold,
  quietFlapNext,
} from './flapping.ts';
export type { FlapAction, FlapContext, FlapFigures, FlapPolicy, FlapState } from './flapping.ts';
export {
  countsAsDown,
  currentFlap,
  evaluateWithFlapping,
  flapAwarePhases,
  isFlapping,
  reconcileWithFlapping,
  steadyFlap,
  steadyPort,
} from './flap-monitor.ts';
export type { FlapMonitorAction, FlapMonitorPolicy } from './flap-monitor.ts';
