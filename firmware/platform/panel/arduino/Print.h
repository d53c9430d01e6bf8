// Arduino's Print base class, as far as TFT_eSPI 2.5.43 derives from it (write() per byte, print() of text
// through the cursor). Host build of the virtual panel.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "WString.h"

class Print {
  public:
    virtual ~Print() {}
    virtual size_t write(uint8_t) = 0;
    virtual size_t write(const uint8_t* buffer, size_t size) {
        size_t n = 0;
        while (size--) n += write(*buffer++);
        return n;
    }
    size_t write(const char* s) { return s ? write(reinterpret_cast<const uint8_t*>(s), strlen(s)) : 0; }
    size_t print(const char* s) { return write(s); }
    size_t print(const String& s) { return write(s.c_str()); }
};
