/* compile.c — placeholder: the translator lands with the engine. */
#include "wasm/module.h"
bool wasm_compile(wasm_module *m, char *err, size_t errsize) { (void)m; (void)err; (void)errsize; return true; }
void wasm_compiled_free(wasm_module *m) { (void)m; }
