// __tests__/express4.d.ts
// Express 4 is installed as `express4` (an npm alias) to run the same tests on both majors; it has Express's types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
