/*
 * status.c - names of the nd_status codes.
 */
#include "neardup/status.h"

const char *nd_status_str(nd_status s)
{
    switch (s) {
    case ND_OK:
        return "success";
    case ND_END:
        return "end of input";
    case ND_ENOMEM:
        return "out of memory";
    case ND_EIO:
        return "cannot read";
    case ND_EINVAL:
        return "invalid argument";
    case ND_EUTF8:
        return "invalid UTF-8";
    case ND_EJSON:
        return "malformed JSON";
    case ND_EFIELD:
        return "missing text field";
    case ND_EEMPTY:
        return "empty document";
    case ND_EBINARY:
        return "binary file";
    case ND_ETOOBIG:
        return "too large";
    case ND_ENOWORDS:
        return "no words";
    case ND_ECHANGED:
        return "input changed during the run";
    case ND_ENOTINDEX:
        return "not a neardup index";
    case ND_ECORRUPT:
        return "damaged index";
    case ND_ENEWER:
        return "index made by a newer neardup";
    case ND_ESETTINGS:
        return "index settings differ";
    case ND_EBUSY:
        return "index busy";
    case ND_EEXIST:
        return "already exists";
    case ND_EINTERNAL:
        return "internal error";
    case ND_EFORMAT:
        return "malformed record";
    }
    return "unknown status";
}
