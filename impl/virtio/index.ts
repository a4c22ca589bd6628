export { ReferenceSystem, createReferenceSystem, referenceWithFaults, type ReferenceOptions } from './system.ts';
export { FAULTS, faultNames, faultSet, type FaultInfo, type FaultName, type Faults } from './faults.ts';
