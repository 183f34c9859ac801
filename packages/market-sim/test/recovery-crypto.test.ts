import { describe } from 'vitest';
import { recoveryTests } from './recovery.js';

describe('parameter recovery: crypto', () => recoveryTests('crypto', [1, 2]));
