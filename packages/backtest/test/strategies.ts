/** Strategies shared by tests and the bench. */
export { smaCrossStrategy as smaCross } from '../src/examples.js';
