#include "usage_feed.h"

namespace gauge {

const char* jsonKindName(JsonKind k) {
    switch (k) {
        case JsonKind::Missing:
            return "missing";
        case JsonKind::Null:
            return "null";
        case JsonKind::Bool:
            return "bool";
        case JsonKind::Number:
            return "number";
        case JsonKind::String:
            return "string";
        case JsonKind::Other:
            return "other";
        case JsonKind::Count:
            break;
    }
    return "?";
}

}  // namespace gauge
