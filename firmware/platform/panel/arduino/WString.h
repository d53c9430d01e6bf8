// Arduino's String, only as far as TFT_eSPI 2.5.43 uses it (its version/setup strings, the String overloads
// of drawString/textWidth, which copy it out with toCharArray/length/c_str). Host build of the virtual panel.
#pragma once

#include <stddef.h>
#include <string.h>

class String {
  public:
    String(const char* s = "") { assign(s ? s : "", s ? strlen(s) : 0); }
    String(const String& o) { assign(o.buf_, o.len_); }
    String& operator=(const String& o) {
        if (this != &o) {
            delete[] buf_;
            assign(o.buf_, o.len_);
        }
        return *this;
    }
    ~String() { delete[] buf_; }
    unsigned int length() const { return static_cast<unsigned int>(len_); }
    const char* c_str() const { return buf_; }
    bool operator==(const char* s) const { return s && strcmp(buf_, s) == 0; }
    void toCharArray(char* out, unsigned int size, unsigned int index = 0) const {
        if (!out || size == 0) return;
        if (index >= len_) {
            out[0] = '\0';
            return;
        }
        size_t n = len_ - index;
        if (n > size - 1) n = size - 1;
        memcpy(out, buf_ + index, n);
        out[n] = '\0';
    }

  private:
    void assign(const char* s, size_t n) {
        buf_ = new char[n + 1];
        memcpy(buf_, s, n);
        buf_[n] = '\0';
        len_ = n;
    }
    char* buf_ = nullptr;
    size_t len_ = 0;
};
