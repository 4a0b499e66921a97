// The VectorField interface lives in @diffflow/sde-core (an SDE's drift is one); re-exported here.
export type { VectorField, Parameter } from '@diffflow/sde-core';
export { variablesOf } from '@diffflow/sde-core';
