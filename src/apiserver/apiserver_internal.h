/* apiserver_internal.h — shared between the apiserver's files. */
#ifndef SCHEDLAB_APISERVER_INTERNAL_H
#define SCHEDLAB_APISERVER_INTERNAL_H

#include "apiserver/apiserver.h"
#include "base/base.h"

#endif
