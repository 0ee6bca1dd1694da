// Sanitizer defaults linked into every fuzz target, so that a run started by
// hand stops on undefined behaviour as scripts/fuzz does (the fuzz preset
// builds the libraries with UBSan in its default, recovering mode).

extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }
