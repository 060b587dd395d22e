//! Shared support for the fuzz targets in `fuzz_targets/`.
//!
//! The targets themselves are thin: each turns libFuzzer's bytes into an input for one public
//! entry point of the workspace and checks the properties that must hold for every input.
//! What several targets need lives here (the emulator parts only with the `emulator`
//! feature):
//!
//! - [`loopback`]: one in-process emulator per fuzzing process, reached over a kept-alive
//!   HTTP/1.1 connection on 127.0.0.1, with requests signed the way the service expects,
//!   so inputs get past authentication into the handlers.
//! - [`envelope`]: the check that every answer of the emulator is a success or the service's
//!   JSON error envelope.
//! - [`token_text`]: the readable text form of token inputs, and an independent reading of
//!   a token's expiry that the token decoders are compared with.
//!
//! Nothing here talks to any address but the emulator's own loopback port.

#[cfg(feature = "emulator")]
pub mod envelope;
#[cfg(feature = "emulator")]
pub mod loopback;
pub mod token_text;
