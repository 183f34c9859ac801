import { describe } from 'vitest';
import { recoveryTests } from './recovery.js';

describe('parameter recovery: fx', () => recoveryTests('fx', [1, 2]));
