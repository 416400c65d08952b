/* zto.h - umbrella header of the common FDO 1.1 library. */
#ifndef ZTO_H
#define ZTO_H

#include "zto_err.h"
#include "zto_types.h"
#include "zto_util.h"
#include "zto_cbor.h"
#include "zto_codec.h"
#include "zto_crypto.h"
#include "zto_cose.h"
#include "zto_kex.h"
#include "zto_msg.h"
#include "zto_voucher.h"

#endif
