import base from './jest.base.config.js';
export default { ...base, displayName: 'unit', roots: ['<rootDir>/test/unit'] };
