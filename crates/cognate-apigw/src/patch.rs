//! `patchOperations` applied to the model.
