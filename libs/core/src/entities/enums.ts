// The vocabulary lives in the contract lib, shared with every client; core re-exports it for its own code.
export * from '@inbox/realtime-contract/vocabulary';
