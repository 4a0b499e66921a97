/**
 * INTERIM: the toy2d experiment's model and data helpers (`toyModel`, `toyNormalizer`, `toyBatch`),
 * imported from their source file because the toy2d package's entry also exports its Node-only
 * CLI code. They are pure library code (networks, sde-core, datasets); when the toy2d package
 * exports a browser-safe entry, this file becomes a re-export from it. Nothing else in the page
 * imports experiment code.
 */
export { toyModel, toyNormalizer, toyBatch } from '../../../experiments/toy2d/src/model.js';
