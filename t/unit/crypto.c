/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/core/b64.c, lib/core/crypto.c and lib/github/jwt.c: known-answer
 * vectors (RFC 4648, FIPS 180-2, RFC 4231, GitHub's webhook example) and
 * RS256 signatures made once by OpenSSL with the keys below:
 *
 *     openssl genrsa -traditional 2048 (4096, 1024)
 *     openssl dgst -sha256 -sign KEY  (the JWT signing input)
 *
 * RSASSA-PKCS1-v1_5 is deterministic, so our signatures must be theirs,
 * byte for byte.  The keys are test fixtures and protect nothing.
 */
#include <stdlib.h>

#include "core/b64.h"
#include "core/crypto.h"
#include "core/hex.h"
#include "github/jwt.h"
#include "tap.h"

static const char rsa2048_pkcs1[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA3YS2dxpYCGEWAmz2zWGzAHOVoRTvGz7bQj+U2CMbNT56dpoS\n"
    "AnqEtttNezs5nZWpjG7fRirGap2BRtqomQ5B+ubSZCGZmIH8Hsyjd7yCkdpAvQoo\n"
    "cJB/urzLWqs/ROiPA75NKUISITXUr1RW1hEl3isFqwPrqyoGec0A9HNKjo3/20H5\n"
    "26ae1ze016H5yb25RKp3PL3S4Siq2qgqIicwwguTYy3QoPS3a3/GsJrwGcsnM0rz\n"
    "d5VfYqMwHYGhj+aqF2l+4+8ux91PN4zv1ZGWAVnNuoEgzK4C4CPDpZjAwSOg1gVw\n"
    "odEb+sDxddZNt1jUKmrrraVJ1fY/p0u98rjHIwIDAQABAoIBABRAZ0wROP4fHht/\n"
    "qbqSFYLTjljpKIj1oKb4WBvAbeLawOhp4n6eg9aRyw4aloRdI+CGXFw2WehyWNjI\n"
    "8cP4ZTjSdGaaGcgzDgEk1UcDkW5TJTsDHDpaQ4snanHyGPksR7LgaX59n1mw6a5T\n"
    "yBKPA8bBaSW+2INP9sKY5t7yUV0h27PH3YOs0BUtQfHfVqF55GLo2L3kox8BKXSy\n"
    "PYKTWrWixDjbsP6DF2wOkeFHXew62N6VCgiXRYddYWvZtqgo5ZIAJ3VRqbbjfijJ\n"
    "4NEvWB41BiriFLI8UoruYc8SUia3GusnDAZBnHxfm83+CW9fnautO9+htE6GpEYY\n"
    "NEwck4kCgYEA9YSaW2TDDpRY2yd+yj5aEztnlwSq9F6Yb0sWludkh8xlKb/W0Gn1\n"
    "cisqL0TMTFD7Xxj9FQral8Mvx+XeM1Wby1fQdMZygwOJ3gKFMrd8tJQXAM49gxRZ\n"
    "sSIk7XJ5Tq/OurxCpiV/XD5jyZ2l6VhLAKqPhDN0PF2Lx4WlRVQBYlsCgYEA5vnO\n"
    "QM3+5d2Xrtk1IYmzVzaFT2gEz7LwmwT5gA2KGS7XZ8uiomCRKlOrMrg218IHIWfW\n"
    "KeWSCMaoKbgMmm81MpVlJiqvPLd6QgDAfJNL9t+oLRWdCm0FmppB4wUUJ/SxhpKu\n"
    "KuL3Mx8JzwKlMKHrfjQVniyCnxifrFWAK72BuNkCgYEA0PJ0Z3meo6bO5Fx9hGOC\n"
    "R0HUTGs1jtl+w6DU7cKqBQSHx/szN5YlxG9F7IqRkBWPiQR8Rs9A7822uVpBO9EM\n"
    "0QbAKtHFHQkC6UWd1GbiI9CwrwfWw9qq5pxXbxlwce4fcz7LPhlFhdy3Ehwv2iJB\n"
    "WqTNlUYxEzrNvhVYbWMr9mcCgYEAnrrhgSuPloyYJvLiTnABLVgseQt08v931jCu\n"
    "/c9QLkpAgfYxiAFxAXOKXUq3dcLDf7OKPDSmDR3ohvMSxjbSijac0oPW9ZTpkd5O\n"
    "ac4YEEpXmtQVngqaJUsJKGhfF65TKbY3twVO+HTGGtsohqlf2tUUXiUchxU29gm0\n"
    "EVskgNECgYAbJfSWUz6HJKiDgBPBzinG6Wvo+2nsIOEHVxOHjFwodvW5ICYTGB6Q\n"
    "rb+eSJ8B3p4EzykZb4sNxo08+Hj9QNHzG3VUhYThGmiozgy5bTUbgReBi9e/zp02\n"
    "+cNBE48GKIVslnDMBwUTu02HsnhndMD+bz9sRvTx/abgGkkiLH3FWg==\n"
    "-----END RSA PRIVATE KEY-----\n";

static const char rsa2048_pkcs8[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDdhLZ3GlgIYRYC\n"
    "bPbNYbMAc5WhFO8bPttCP5TYIxs1Pnp2mhICeoS22017OzmdlamMbt9GKsZqnYFG\n"
    "2qiZDkH65tJkIZmYgfwezKN3vIKR2kC9CihwkH+6vMtaqz9E6I8Dvk0pQhIhNdSv\n"
    "VFbWESXeKwWrA+urKgZ5zQD0c0qOjf/bQfnbpp7XN7TXofnJvblEqnc8vdLhKKra\n"
    "qCoiJzDCC5NjLdCg9Ldrf8awmvAZyyczSvN3lV9iozAdgaGP5qoXaX7j7y7H3U83\n"
    "jO/VkZYBWc26gSDMrgLgI8OlmMDBI6DWBXCh0Rv6wPF11k23WNQqauutpUnV9j+n\n"
    "S73yuMcjAgMBAAECggEAFEBnTBE4/h8eG3+pupIVgtOOWOkoiPWgpvhYG8Bt4trA\n"
    "6Gnifp6D1pHLDhqWhF0j4IZcXDZZ6HJY2Mjxw/hlONJ0ZpoZyDMOASTVRwORblMl\n"
    "OwMcOlpDiydqcfIY+SxHsuBpfn2fWbDprlPIEo8DxsFpJb7Yg0/2wpjm3vJRXSHb\n"
    "s8fdg6zQFS1B8d9WoXnkYujYveSjHwEpdLI9gpNataLEONuw/oMXbA6R4Udd7DrY\n"
    "3pUKCJdFh11ha9m2qCjlkgAndVGptuN+KMng0S9YHjUGKuIUsjxSiu5hzxJSJrca\n"
    "6ycMBkGcfF+bzf4Jb1+dq60736G0ToakRhg0TByTiQKBgQD1hJpbZMMOlFjbJ37K\n"
    "PloTO2eXBKr0XphvSxaW52SHzGUpv9bQafVyKyovRMxMUPtfGP0VCtqXwy/H5d4z\n"
    "VZvLV9B0xnKDA4neAoUyt3y0lBcAzj2DFFmxIiTtcnlOr866vEKmJX9cPmPJnaXp\n"
    "WEsAqo+EM3Q8XYvHhaVFVAFiWwKBgQDm+c5Azf7l3Zeu2TUhibNXNoVPaATPsvCb\n"
    "BPmADYoZLtdny6KiYJEqU6syuDbXwgchZ9Yp5ZIIxqgpuAyabzUylWUmKq88t3pC\n"
    "AMB8k0v236gtFZ0KbQWamkHjBRQn9LGGkq4q4vczHwnPAqUwoet+NBWeLIKfGJ+s\n"
    "VYArvYG42QKBgQDQ8nRneZ6jps7kXH2EY4JHQdRMazWO2X7DoNTtwqoFBIfH+zM3\n"
    "liXEb0XsipGQFY+JBHxGz0Dvzba5WkE70QzRBsAq0cUdCQLpRZ3UZuIj0LCvB9bD\n"
    "2qrmnFdvGXBx7h9zPss+GUWF3LcSHC/aIkFapM2VRjETOs2+FVhtYyv2ZwKBgQCe\n"
    "uuGBK4+WjJgm8uJOcAEtWCx5C3Ty/3fWMK79z1AuSkCB9jGIAXEBc4pdSrd1wsN/\n"
    "s4o8NKYNHeiG8xLGNtKKNpzSg9b1lOmR3k5pzhgQSlea1BWeCpolSwkoaF8XrlMp\n"
    "tje3BU74dMYa2yiGqV/a1RReJRyHFTb2CbQRWySA0QKBgBsl9JZTPockqIOAE8HO\n"
    "Kcbpa+j7aewg4QdXE4eMXCh29bkgJhMYHpCtv55InwHengTPKRlviw3GjTz4eP1A\n"
    "0fMbdVSFhOEaaKjODLltNRuBF4GL17/OnTb5w0ETjwYohWyWcMwHBRO7TYeyeGd0\n"
    "wP5vP2xG9PH9puAaSSIsfcVa\n"
    "-----END PRIVATE KEY-----\n";

static const char rsa4096_pkcs1[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIJKAIBAAKCAgEAugT55kPV7yoh1I21nNlWr47mzsPdwBCk5KyztkO/X+0e7DK7\n"
    "EANY0wFq2Lxt1tFeC6FxjBsSrE5J+pVy+8Y6p/KkThcBs7rGPwlPWGIYFPU7eRx5\n"
    "ePzNFsHc/O8R8BvYUGoTr48OKYcEmACxyKnJLg94bghYLWLA4RTDZqkCS+wmPJC1\n"
    "W5oGaMmZjgdgR0GJUFwrpKVu7+lk6XGbhFZ06acUsr18nFjz8BVEma/bDE5hPcGU\n"
    "SHr/Lgglb+49n+HXhrd+XiJxu4LfHlQ6nOPM6AME7FOGfttlbJlqNfHH42qXjDns\n"
    "iKYs4qFWr26tOgsUrPlWxXyZN1LjsYX0SNT+Yuzq0LfQUxrCxBWUgn2Af9Xl1Ndx\n"
    "OdBXtigovLy4ndl8C4jv1ne4aa6J6qw3IfieBNii18gJDwd4+4m1JE9/1zCRHZdB\n"
    "Vydc01oFQBV2oIAop2dTmo9mayGKlqRl/2WvxjCGm5Q2n64joM9okCcwTK+mlDn3\n"
    "Kj06C777Q47dck8lnPAzMyDpAF7VljHzn8Hmrg3rn/3OzYxEFk/Yi81tFxv1fSqy\n"
    "Re2xI2Nu5MVHYn85Z59CnPaVJC8SDCEDJoMgwN1h+LlJw9ohY4AFgzg9XP1vNMIj\n"
    "jce537D02AMt/6w+Ztv/DxeRXTAhReK/5yJVpUq8Wzh2bHkhP5XKIomMu5sCAwEA\n"
    "AQKCAgAF1Nsar1y5CyqVVb3wRVX02fd9WuGMQFlS++EEYTpSIQZbpDl+BoTV1JEL\n"
    "a1jMJ7MZjT2YhU7ADRI/o0jAANZc5nvlIM6CWmQVnM6aeDTGD2wGX3ClbNNnF7u8\n"
    "SChZTR4qYzDry4HHpn5r33WzUzNF2OFPHb7Z6WMfiz2W7cxvId+O/YBZ90mlJlDE\n"
    "hZGsmi7aUJFjr3X7Wmc59EBKVUWD/6Nj+RG7ewRmrdwBL2SgDaL5wyRJY2W1hTbb\n"
    "O+49oWBWzlDNVaoYFUG2WzCdM3z8dv/EAthQCMO0tFiCiWpZREGs+THjlMYKcsFb\n"
    "bY5LqAZFZ+mi9kV9WQFfUtI2KEszM+rhXHGB4YqJ6ENLTcGGnf7t/trLPH9xznaT\n"
    "2oY5L/5IRamO+TDbjilX3fpGH9Z7rAy154UI+xH+YhQK3PtUYKPZ6jcojtxWHw5n\n"
    "fTaUGM7A7YGBBleItF1DTG5vxpOs12B5is6TW3CJ6d09VltoGHQfh4fDvnDjWH7U\n"
    "w5rU3b7gg4WT1UzJAHyC2qIFPGKZoCOFbLcKcjYA7RZiGTmhJab7MOdyR3gm7uQ/\n"
    "n3JtiE956dNpkLKmoYEyfj7rDz0U0MVy+GU+ZGEhUI23DGgRdIPARMwyC3OtKEob\n"
    "jADoMJcMSBnRIJeL+qkqNmZzenGd8PzBdYP/KxnXGt7Gebh/JQKCAQEA+IOKmZSd\n"
    "ckpzN7HEADNUXoDIVzcXjaAn+J8Om1+M5HesYCUIX0S7pb0zWaiCv5T7ciIng+yd\n"
    "h2isHMvLgYZqhSp9jecNaDrI7yDIKj6LlNLQ7KarLJZfyHtFH+8Kkm5rvObHaSTX\n"
    "aoR5RK8Z6ZIZ6MunbTmOeEYIiAhuH7Z/LJ+gUfMxVthNXUWjmXtKZWiGh7isShzo\n"
    "quUnmfDpBv/i5Rx/WRCkvxHmCvjcwyw9vJ2nW/wr+gMIN6aOEV1frbH/yhDSJM3X\n"
    "idgLKdk8BT/iHnMm+VeuAG2njbnwMpyzN6JsuSY6zFIrZDfvGDosV0QNWteI3OkP\n"
    "+lbqV4+U8qR2lwKCAQEAv59/hTw62rITlgavKCfN4rxV24axJUmtuN3Pot1eru5I\n"
    "nOHm/EAAJXiqsowd/nUxNRyTFHUZdDq+cGjjDOAltgasPU27MlfPTlrWSshF1zr0\n"
    "yb7f1GHjXM1R7enA7P4DyGDZ7WAjWSECu7y9IO2zspRmpNSgSrMexEpWCLce7Hod\n"
    "9mV3/fLBrPRGL/FHSvGpVRYpEMdeRq455ea9jTRmdQJhNIzcMV80fkGCOI1Ircxh\n"
    "lohe57wfT7k+9L54/6fw4TFoo8ikxnibuYqXTgPKK+b12q58sxWRDBU7qOMD361g\n"
    "Gzvch3iwzhL5BKFIS3Y52QEdFicppPsHFv5DgzknnQKCAQAhZFttQ4DcaJCOvT4e\n"
    "4MbHY/qHbYmmqAx25bhqvC4MTOBGkvNLCctE++U4eOIIqBYZQemZWmPYXAI0ZFXV\n"
    "85/AgPMZ7B/rD2sMZpU+x+StfJ5CDisV9KauI5IoNlBvWJL1cPT+dcrULzS0O+r5\n"
    "bX45v5Oho4g3NQHUdX2GmVkBP/mkyU6p4qqSi9btuplGgwMAnZnY44WH4P6vOqW1\n"
    "IRD1xByAdTIN0nPcqY/QUdOB0pU4UOv/zgR+pcyVHLzMdAxwtE3oUBhUF0l4uA3O\n"
    "jsTtXn+wJU3mFNXcv009H70dDqAZSL/B0JCwCKwBz19B4o0A1dE4DcDt3FvkpBBZ\n"
    "givFAoIBADyMRVrwIRihVBb/nbDugtu17tsiwC6sDTxwuf8YO6bCnCcWKkpiXql4\n"
    "a1dndsLEfPvvP3ojVhunxCz4t2WGHeRaT2o/eXr6zAJSKYwPpCHR+y8UJN2S4Kie\n"
    "J9kpF1DLIp7aG4Ip8oFjMN3pUUlqUnGG+rfyh4OS/ZHAe1bdpePK4lTM0xFm91OT\n"
    "C+pyLri7i2nbSraGiH+E5b6DHjnT6NvoGJbmO11OW+PZBzCfU+u2vM833+URSEOE\n"
    "oSPsW4dMpYxCdHHsIESmL259IDoCcItWuzCSGczsb5yFyQggU0UGH2v7ij80H4m9\n"
    "7PlNjO5rOPQcqfgp/7qlpyPYy7RXBvECggEBANDLavHxA26LUUS/6umcWXO2fuD+\n"
    "rMPbC76iAef80JNbBGiiEuK/vA4GxMnvHHKagWfTX9Draitf4F8yYr3vFE+jdkr0\n"
    "tWupu4Ca3NFf0QDR7UUjVTgYDlHs+RByILThfrd4UGzlF7p2JpLT/laafsEvDX3z\n"
    "K3yPis7sjh8amDRd3zDMdLjJ5n+jI00UGkjAujUq5gR6sDWfar/NNNuI3K9o6O7X\n"
    "HbM9IfCgqpF4EUGi8IwmStiVuhtwvR/0ZmI3V1+ySHGu7uTih2sOGZFyFlpbsspn\n"
    "Z2Fq6F4lnB2TbtULLtGgMn//DQ5zelI1q75mKyBHSQy2GT3ALKkEhEjwuTE=\n"
    "-----END RSA PRIVATE KEY-----\n";

static const char rsa1024_pkcs1[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIICXAIBAAKBgQDqgfL4bMGe3xy+StTNbcUEWSjqnfbT2qRBOGocYlLeDScIe5QQ\n"
    "JXVa8Js9JJKHltxy6R62I421eQlWSE7RYH8Un20s8UETRQRhxaiI2qnCDcILgC3L\n"
    "9I5uCgyT4Rj1fNOsOyyzxJjQokHx0Juq5md+kcCK5kyuY3DyZ0DlMLKREwIDAQAB\n"
    "AoGAL56LtB6Bgr1TnOCdLcnog+WHBX1mLcbsK8JE6daddTG+h15wxoaUug65t0TB\n"
    "7H6Z7UuhTOMTV5Jobvjn6GRr6WSYHWBD62LTn7XVDbFLlbVNCfWhHdMDevwERIQB\n"
    "QBw+jDHonknjTI6OBoFlTFwRaXm51tRqVT/Rb6EabyUuMEECQQD8oljh+DZiu0g1\n"
    "CoviKZA8KjH6do/qAVQxDAgYfrIPHNdQSa77CLTzuJu0/r/edfULorfjIHi4v2SZ\n"
    "lRWhHQGZAkEA7aHHM88kAZ8nYyCTM5Ikab1p5iWpr+IqPzN5Y2Jl8ttfaXKYtOkq\n"
    "MF859OmtN4oDztgF+/6Ma7MuL/f7lN4riwJAKgOJypKv4L2KpZ+KYeNNpGPUCfY7\n"
    "usvbx4hbtE8lp5PBTw3h9sec6EdURcZz/Dgbt4KpGDGnQfo6bbw4a6HaSQJANzN1\n"
    "itt7icTm6WgPydMREl8l0oi9OlZXagcTE7sv45KCP4SXZK8lVcdJN1NxIY22BL65\n"
    "5SfkhsBA4nPAxXw2sQJBAL5/fivqnMDpTpkfJ5v68RTc2lXk1ZKc8XxZ8JpZ1gjb\n"
    "LumASlOji3FqhXYce3TYDHxQ7dv0Lu1dB+2xay+S6Wk=\n"
    "-----END RSA PRIVATE KEY-----\n";

static const char rsa2048_encrypted_pkcs1[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "Proc-Type: 4,ENCRYPTED\n"
    "DEK-Info: AES-128-CBC,E1BF1C76E5E31425D2C56CF28B5758BC\n"
    "\n"
    "6vu4dQHsCqZdZRrrj/7WKuTC6AYVUr1BQM1PuRIjBvmsF0AHz4RZDrfcC1sEa87K\n"
    "XKxcSqZC5UxVXKR/uQF1DLlqnNsxHU1BBoO+bM2gozmep3dUp7JvVGgxpbgXqNlN\n"
    "+alzl6zhk4ZHVHSTZV660Lm1gvA9ThNev4sehxPSaNj0kztUqkHwijQ42xWHRjBY\n"
    "5In55vmFJafI6+ADROWGdkSsubD1uMa2F1uvQ3DtTvI0aXvLZVds41uvCGMkm+hW\n"
    "LBpxFAYSBABfdl9mnln7vdpUij9x+Z1z4nmSYOHB2HaLH/G27EbvHGH1KPOIfxOv\n"
    "OjsLyuQPEl1G7VjjxGPsbE7rcSXSj9U4XefpNStqPKdjkgXFsJEI9pGdUDONj1vQ\n"
    "BN/qOvMr6oJERM53Wh7sT2jDSQpZROzqJDfbPM/kAL7/P0b0hOZXgleStaoJqTea\n"
    "JAEkehdVoW67tmT/FQgV8A76IvhgzDNK53T0F9BrUAxP+/Nimk1WMjnD6Gp7i8fo\n"
    "eVRfXPPtEjXTLRYt2Cj+aO9Q/pKZxUlg2IE4hwcq13sqQXxq+EwOwnhCvx2VrIYj\n"
    "drgT/1Zn0PSWVP0nemlTeVa9f+VHeifqXvFAjFYpNFG3iiA1LjpPbJPwEPwD91D/\n"
    "jK66f5eoX7HgGZQoYoHhXVhRS+jU0hTX7jcxeDiyCqhXNuhpp6q51qfmJUFAdkIS\n"
    "0A9dI9ZeKkj6Bf3Wn13waYiuCdoUqbHRhAH1u9LRlaekTTTHzej4S7XHC4vAMt0y\n"
    "7kOeGiFlUnPuI/cAxiNgYFR/GW9GLiHj4/aH1uh4x5RoKKsn6Md0WW0fu3eOO3NQ\n"
    "yQAVQEVdgMnYgsDqbTSdZPs/4c4ckBLRvl28Fg7KW6jsfYY2OWP+Dkb8K6nLKZlq\n"
    "zsc6X2mxm5d8lmUV0P0j3zz1FO72a1E4bU8VFy53sYYcnYsZGInscNnKz+htTsmp\n"
    "DcLwqul8ve9AlrO0F/p4t4TYS6GYAhINHek9Gy0/HdRwlzsAFmpJgEWdZu9XTDD+\n"
    "eMpflj1ZWISjpza1JdbveeDykmzwg6jLHNLMaYaAKhsDqRhfKa+qLVYkS601fHsI\n"
    "QihDSkF4HsTr9aV4nr+GHT56bEt0IfFAeJCdiBNoC5S/KD8sSIdT0xhxXQ1Kwrnw\n"
    "Io4i1kpE/fvphuMHpYI9lj9XqlVShKZPRr1aL0VFrF8+x2P5mG2nXKwLZ01hno2Z\n"
    "YuVjR4MVAHXsACYbFa9/tVqnvAGbZJ+emn0CWxmXs0OlsubpYWNuTCx2TBdn8R7v\n"
    "qPIhiNgXg7KyQDuxcPYyzRjQbSbvTRzvA8NKA3ONBBcWTCqDyb353T7c8+6v0wMh\n"
    "VNf/GGGz5AckmZhxC6tAeY54WZThHL1p6cj5lH01844mS4d/g4csbKD3mEXbzCde\n"
    "qTGwSar1XnL68+5wihpQWUAKcIQbjURkDHXvsOi4jXVyv9zEwHdlqTp2i0RLAkN7\n"
    "yUex7O++a4zlmrDWwI/FZEj+7UMGnC3FoR0/hxR53Kvn4DpsCd7HR3xGDzMkR36u\n"
    "s2uKQ7Qo0C8mgw+IFr7TywxcTWaXaTVO+kXnvSSNWn5jE8L+cAEuKVr1Q59jVgqL\n"
    "-----END RSA PRIVATE KEY-----\n";

static const char rsa2048_encrypted_pkcs8[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIIFLTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIA55G3MvsQaACAggA\n"
    "MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAEqBBDOlCU5vcmtjR8XPfTl6f1YBIIE\n"
    "0FPzYT+KztTPafcVZW8sWVbYgdO9EH07K8LrFpnjo6lpLmboVjsbzHRUplqau3p5\n"
    "I8r4Up/nUtN5jb3FfLanl3ALil43HUi/mx1wWlnMYZd73cUfdrJ4SBI7+7TsHgY5\n"
    "bujFih0YXp8UN4Vvv2ge44uI/B9+/cMYfyzLCIO+QOVedbSBb6gT8fqXoXf3q55+\n"
    "enhXq6/GaBgvj+0wpu8SPF3qtC5D+O9B4GGWTGJhMmc+VD0RUanSjLDgD4uEJRDU\n"
    "rxgl6+q2Ker/nh7Gcsqm3a/lqHWq2AnubwNyJHsphuJrZqgR0GK8VoaT05ieuqBL\n"
    "cGc2N0egFx7YOiDpUmO0tMGKqWia4HRbN1n/d0A8WIw3QD/vPoDQhTDdQQSOELxD\n"
    "8fu2VxhbrUAySChvTOhRpL7/8NA0zspcjqpUlgfuIMy0kWw9JxbEg69S1+HmgjB7\n"
    "HqJJyzuXd65iWuBOiI4VHRM6EEhm4vaLfAwT/s8oYDArOgJ0DVycmf+L4Urnp6UB\n"
    "yvjoGDrsUjiuOg2KAJGg8Na/EG/cmRokddBoTv7ID1Nm+dtnyI8l81zFFCZnOCmL\n"
    "ofgVVfRokiIINn32BsLfXyO0R66OQ5/IxTETH6uM1D3qIOpDu8GesB7zSU7JKjtE\n"
    "9v3DRByVJQg5S2mwlU2gH3zXoWdY0JKSC8XUpeaWUysMAwp97YQqjMEH2XYMeSYA\n"
    "azAZPC3xTL4cXP/Gc8FzHlnUzcBmdxU0aVSZry3n0EcUnI9skKa6krwpVvqpMLJI\n"
    "tygP4Y/0mbdGQ1mExsq2cue0zQnysuMIKU2TPAbS9rLxDmt/pKb9iPj+BR5RAGX7\n"
    "DU5yT3vnv0bG4/HpBjBOOWpPIhSyhQZ1/nJpWGWyCm2vpHXK1V/zlU+3zblRViP1\n"
    "T41h7nf8wfS34JDRbTZgnaE/o0Z5h8fQwdaHTnS4X5pSd4HaPl+4EnkwHiltuMwe\n"
    "o0yQTyMB7Be0ckZARUhjdef3TX2qeS8pPAsUfBzuqV4A9GJ4Xs1IS0o0Ue+pdjFt\n"
    "jadkywWsTIL9oGjearxHy2ERIG2vd2ZEgE/j7OPXMv+ZI5ON2Eapb1Ra0BpdwbuN\n"
    "62A1nUPcc+1aoEVHOG1CY7KADV+zLaI3RVjZ41HLPPuEzBzMvyvpH0+wqc5HBgms\n"
    "h5eHoJjq945Hc89C+sJaz2u1kKRHFQlrfGDRDzE1vrN2OntnU3dmJcUGjBKLx+2U\n"
    "b+bmhocpe6xTHxe12VXFbRVL02J/L4ycY5r7fEYaf5QKETIKMXx6gQnOgYJ2ff9X\n"
    "ce/ZxYKtctmC/y5Be9aKm6iR3Swu1j9hG92l6BjlGaY6V3JMbnIHj8vqXLCGAB52\n"
    "jRzCTOoWGqZcwvJsbXEOPMcdg38JGUG66cbVlJcYEQh4AZT/VrUMQASDDGIaupt5\n"
    "HwIHQtvr47gIGiVZnAyvYs2lCYfliJR9YP4ba/Bmy4AAV7BN2SL/+7zkc0ty+8wa\n"
    "4mF7UiZMj18CUvXrdEvUaPOD7OeFOPN3oBJ1drkmZddAarAMbQBaksTv0jA96MOR\n"
    "2xjFAKYSCpWPhlvYPDG6IhLWXW8JnxUs5ZaMeT8mQ6w9t0XyV8/aSnuPfsYXv7Rc\n"
    "DQ1jjABOoysffm0IoSZ6aIxaMGbNkOymufRT1Cerv5k5\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

static const char ec_sec1[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIAZ40I7ni/ufzYns3I5G2cC1M2YmWawqN1bqQeRZF7h/oAoGCCqGSM49\n"
    "AwEHoUQDQgAEVJ3CowLZeOSaIRyPExvgSf6fLV16wBle2EA4bgzPiRlUooKnBE6S\n"
    "S4xDGc9XGI7BJJXKfa5w5X/J2YTTKtbJHg==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char ec_pkcs8[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgBnjQjueL+5/Niezc\n"
    "jkbZwLUzZiZZrCo3VupB5FkXuH+hRANCAARUncKjAtl45JohHI8TG+BJ/p8tXXrA\n"
    "GV7YQDhuDM+JGVSigqcETpJLjEMZz1cYjsEklcp9rnDlf8nZhNMq1ske\n"
    "-----END PRIVATE KEY-----\n";

static const char ed25519_pkcs8[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIKxcORBTFG/xjZ/X7VCC85PeBqtAFa9k2HlDQJZnHawv\n"
    "-----END PRIVATE KEY-----\n";

static const char rsa2048_public[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3YS2dxpYCGEWAmz2zWGz\n"
    "AHOVoRTvGz7bQj+U2CMbNT56dpoSAnqEtttNezs5nZWpjG7fRirGap2BRtqomQ5B\n"
    "+ubSZCGZmIH8Hsyjd7yCkdpAvQoocJB/urzLWqs/ROiPA75NKUISITXUr1RW1hEl\n"
    "3isFqwPrqyoGec0A9HNKjo3/20H526ae1ze016H5yb25RKp3PL3S4Siq2qgqIicw\n"
    "wguTYy3QoPS3a3/GsJrwGcsnM0rzd5VfYqMwHYGhj+aqF2l+4+8ux91PN4zv1ZGW\n"
    "AVnNuoEgzK4C4CPDpZjAwSOg1gVwodEb+sDxddZNt1jUKmrrraVJ1fY/p0u98rjH\n"
    "IwIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

static const char jwt2048_12345[] =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV"
    "4cCI6MTcwMDAwMDU0MCwiaXNzIjoiMTIzNDUifQ.kaCgqwmMQgP47vNQU8s1uV7d"
    "5ePFRP-V6hCtdhA-9sWDIhjMcfliUIj2E7RbNRzhllQIgyGsFfEPoMKxNsLf96rh"
    "00Es4lx0IIwujylMRYM3hFLC9VTCKLzJ1k7TDB5lMJgtqmBRZHvWVA9evUNEQf79"
    "2A0nSPa9G51vzKPtrLUcsNs4YnwW1WTabMVku0F1vwNLmZek8T7pKSSIPd3lGbuf"
    "9oZ3p8WnlQJqhoOxvfXZJMq6D7mvGQashpEgnnAfLSliTgCqtL9U6ylAHHE8O2pW"
    "Mcxu-ms8pItCyD9yWkp7tPS_jGiqTH1A5UMX3s6pTGETthsfsOReessaWJZiWQ";

static const char sig4096_b64url[] =
    "pJ1iVujNbo7sszXKVBxxaIvagq93ZArFDwBIVlg4LmOORnI982qeCYWjAqzZpQ9f"
    "s6mMc7INP9MhnQNEqodV_5V5JXdBmcV_aqy3PMjK8P4MsEkS5c7wfMCmObi-aSqI"
    "Lp5-xOCUkDg_an3AgOgw-6aG8X3nFf3p7ZdY5Ucx3TTMg0c902HCYf1uEaF8MXhJ"
    "qpWJ0hWboD-KFQJZ7sRlO5lpOgj9zWUnL1YWXPQz_XtnNR5Hi5zIKqzYTJhoSK65"
    "U8cwtmlxMlcVSzZO6rI9DIPABB_RvYv4qy_SBuUGHfgWjukrH74NExrtOs5b8Ory"
    "N4i5wEZKvwrj4VtxOOHN-7eOVuI1Ogt8kzdWfG5IXW-1boV-w624CeWMSIE-Jc9o"
    "o4P9vp7Q_QWs1RgTsawnqlGtTDwxOfXmWKOLRRUoV9ah4lspGA0w5DM8bmxxxh3Y"
    "NR6zmHlE3mdFLYjiJ0iTw0JV0np3srqAQa8DmhlrQK1ueha4_0IZuKk-u4gAyeHX"
    "wdSb8EJR33mZEgY-UDEtJVSIbpkw4d0f6GubTFqter7s9sAhYzuLedma8-1xYMF4"
    "CYDeGo4Cjc7qtRJSViM9-10y0eAba5W7t3VZFI7YMCpsvVaMDT833ZCHAMpvVxej"
    "K9tgIOXfkM2Cf6tjT2j1Rk0tlseLbeNPDkEclz0EU1w";

static const char jwt_signing_input[] =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDU0MCwiaXNzIjoiMTIzNDUifQ";

static void
test_b64_vectors(void)
{
	/* RFC 4648 section 10, in base64url without padding (RFC 7515). */
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const url[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg",
	    "Zm9vYmE", "Zm9vYmFy" };
	static const unsigned char high[] = { 0xfb, 0xff, 0xbf, 0xfe };
	struct glow_buf b = GLOW_BUF_INIT;
	char msg[80];
	size_t i;

	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		glow_buf_reset(&b);
		glow_buf_adds(&b, "x");
		glow_b64url_append(&b, in[i], strlen(in[i]));
		snprintf(msg, sizeof msg, "base64url of '%s', appended", in[i]);
		ok(b.p && b.p[0] == 'x' && is_str(b.p + 1, url[i], msg), msg);
		is_int(b.len - 1, glow_b64url_enclen(strlen(in[i])),
		    "  its length is enclen");
	}
	glow_buf_reset(&b);
	glow_b64url_append(&b, high, sizeof high);
	is_str(b.p, "-_-__g", "base64url uses - and _");
	glow_buf_free(&b);
}

static void
is_hex(const unsigned char *d, size_t n, const char *want, const char *name)
{
	char hex[2 * 64 + 1];

	glow_hex(hex, d, n);
	is_str(hex, want, name);
}

static void
test_sha256(void)
{
	unsigned char h[GLOW_SHA256_LEN];
	char *million;

	/* FIPS 180-2 appendix B, and the empty string. */
	glow_sha256("abc", 3, h);
	is_hex(h, sizeof h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256 of 'abc'");
	glow_sha256("", 0, h);
	is_hex(h, sizeof h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "sha256 of ''");
	glow_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	is_hex(h, sizeof h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "sha256 of the two-block message");
	million = malloc(1000000);
	memset(million, 'a', 1000000);
	glow_sha256(million, 1000000, h);
	is_hex(h, sizeof h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "sha256 of a million 'a'");
	free(million);
}

static void
test_hmac(void)
{
	unsigned char key[131], data[50], mac[GLOW_SHA256_LEN];
	const char *secret = "It's a Secret to Everybody";
	size_t i;

	/* RFC 4231 section 4. */
	memset(key, 0x0b, 20);
	glow_hmac_sha256(key, 20, "Hi There", 8, mac);
	is_hex(mac, sizeof mac, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "hmac-sha256 RFC 4231 case 1");
	glow_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
	is_hex(mac, sizeof mac, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "hmac-sha256 RFC 4231 case 2");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	glow_hmac_sha256(key, 20, data, 50, mac);
	is_hex(mac, sizeof mac, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	    "hmac-sha256 RFC 4231 case 3");
	for (i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, 50);
	glow_hmac_sha256(key, 25, data, 50, mac);
	is_hex(mac, sizeof mac, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	    "hmac-sha256 RFC 4231 case 4");
	memset(key, 0x0c, 20);
	glow_hmac_sha256(key, 20, "Test With Truncation", 20, mac);
	is_hex(mac, 16, "a3b6167473100ee06e0c796c2955552b", "hmac-sha256 RFC 4231 case 5 (128 bits)");
	memset(key, 0xaa, 131);
	glow_hmac_sha256(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
	is_hex(mac, sizeof mac, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "hmac-sha256 RFC 4231 case 6 (long key)");
	glow_hmac_sha256(key, 131, "This is a test using a larger than block-size key and a "
	    "larger than block-size data. The key needs to be hashed before being used by "
	    "the HMAC algorithm.", 152, mac);
	is_hex(mac, sizeof mac, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	    "hmac-sha256 RFC 4231 case 7 (long key and data)");

	/* "Validating webhook deliveries", GitHub Docs. */
	glow_hmac_sha256(secret, strlen(secret), "Hello, World!", 13, mac);
	is_hex(mac, sizeof mac, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
	    "hmac-sha256 of GitHub's webhook example");
}

static void
test_ct_hex(void)
{
	unsigned char a[32], b[32], back[4];
	char hex[9];

	memset(a, 0x5a, sizeof a);
	memcpy(b, a, sizeof b);
	ok(glow_ct_equal(a, b, sizeof a) == 1, "ct_equal: equal");
	b[0] ^= 1;
	ok(glow_ct_equal(a, b, sizeof a) == 0, "ct_equal: first byte differs");
	b[0] ^= 1;
	b[31] ^= 0x80;
	ok(glow_ct_equal(a, b, sizeof a) == 0, "ct_equal: last bit differs");
	ok(glow_ct_equal(a, b, 31) == 1, "ct_equal: compares n bytes only");
	ok(glow_ct_equal(a, b, 0) == 1, "ct_equal: nothing equals nothing");

	glow_hex(hex, "\x00\x9f\xa0\xff", 4);
	is_str(hex, "009fa0ff", "hex is lower case, two digits a byte");
	ok(glow_unhex(back, "009FA0ff", 4) == 0 && memcmp(back, "\x00\x9f\xa0\xff", 4) == 0,
	    "unhex reads either case");
	ok(glow_unhex(back, "009fa0fg", 4) < 0, "unhex refuses a non-digit");
	ok(glow_unhex(back, "0 9fa0ff", 4) < 0, "unhex refuses a space");
}

static enum glow_crypto_err
load(struct glow_rsa_key *key, const char *pem)
{
	return glow_rsa_key_load(key, pem, strlen(pem));
}

/* The JWT of the fixture claims, or "" if the key fails. */
static const char *
jwt_12345(struct glow_rsa_key *key)
{
	static struct glow_buf jwt = GLOW_BUF_INIT;

	glow_buf_reset(&jwt);
	glow_buf_adds(&jwt, "");
	if (glow_jwt_app(&jwt, key, "12345", 1700000000, 1700000540) != GLOW_CRYPTO_OK)
		return "";
	return jwt.p;
}

static void
test_rs256(void)
{
	struct glow_rsa_key key;
	unsigned char sig[GLOW_RSA_MAX_SIG];
	struct glow_buf b64 = GLOW_BUF_INIT;
	size_t n;
	const char *dot = strrchr(jwt2048_12345, '.');

	is_int(load(&key, rsa2048_pkcs1), GLOW_CRYPTO_OK, "loads a PKCS#1 RSA-2048 key");
	is_int(glow_rsa_key_bits(&key), 2048, "  of 2048 bits");
	ok(glow_rs256_sign(&key, jwt_signing_input, strlen(jwt_signing_input), sig, &n) ==
	    GLOW_CRYPTO_OK && n == 256, "RS256 signs with it");
	glow_b64url_append(&b64, sig, n);
	is_str(b64.p, dot + 1, "  the signature OpenSSL made");
	ok(glow_rs256_verify(&key, jwt_signing_input, strlen(jwt_signing_input), sig, n),
	    "  and it verifies");
	sig[100] ^= 4;
	ok(!glow_rs256_verify(&key, jwt_signing_input, strlen(jwt_signing_input), sig, n),
	    "a damaged signature does not verify");
	ok(!glow_rs256_verify(&key, "x", 1, sig, n), "nor one of another message");
	is_str(jwt_12345(&key), jwt2048_12345, "the App JWT is OpenSSL's, byte for byte");
	glow_rsa_key_wipe(&key);
	ok(key.sk.n_bitlen == 0 && key.data[0] == 0 && key.data[sizeof key.data - 1] == 0,
	    "wiping the key zeroes it");
	is_int(glow_rs256_sign(&key, "x", 1, sig, &n), GLOW_CRYPTO_NO_KEY,
	    "a wiped key does not sign");

	is_int(load(&key, rsa2048_pkcs8), GLOW_CRYPTO_OK, "loads the same key as PKCS#8");
	is_str(jwt_12345(&key), jwt2048_12345, "  and makes the same JWT");

	is_int(load(&key, rsa4096_pkcs1), GLOW_CRYPTO_OK, "loads an RSA-4096 key");
	is_int(glow_rsa_key_bits(&key), 4096, "  of 4096 bits");
	ok(glow_rs256_sign(&key, jwt_signing_input, strlen(jwt_signing_input), sig, &n) ==
	    GLOW_CRYPTO_OK && n == 512, "RS256 signs with it");
	glow_buf_reset(&b64);
	glow_b64url_append(&b64, sig, n);
	is_str(b64.p, sig4096_b64url, "  the signature OpenSSL made");
	glow_rsa_key_wipe(&key);
	glow_buf_free(&b64);
}

/* text with every "\n" made "\r\n" */
static char *
crlf(const char *text)
{
	char *out = malloc(2 * strlen(text) + 1), *o = out;

	for (; *text; text++) {
		if (*text == '\n')
			*o++ = '\r';
		*o++ = *text;
	}
	*o = '\0';
	return out;
}

/*
 * The PKCS#1 fixture with DER byte at (length - from_end) flipped, armoured
 * again on one line.
 */
static void
der_append(void *ctx, const void *p, size_t n)
{
	glow_buf_add(ctx, p, n);
}

static char *
damaged(size_t from_end)
{
	struct glow_buf der = GLOW_BUF_INIT;
	br_pem_decoder_context pc;
	const char *p = rsa2048_pkcs1;
	size_t n = strlen(p), used;
	char *pem;

	/* BearSSL's own PEM codec, not the code under test */
	br_pem_decoder_init(&pc);
	br_pem_decoder_setdest(&pc, der_append, &der);
	while (n) {
		used = br_pem_decoder_push(&pc, p, n);
		p += used;
		n -= used;
		if (br_pem_decoder_event(&pc) == BR_PEM_ERROR)
			abort();
	}
	der.p[der.len - from_end] ^= 0x10;
	n = br_pem_encode(NULL, der.p, der.len, "RSA PRIVATE KEY", 0);
	if (!(pem = malloc(n + 1)))
		abort();
	br_pem_encode(pem, der.p, der.len, "RSA PRIVATE KEY", 0);
	glow_buf_free(&der);
	return pem;
}

static void
test_pem(void)
{
	struct glow_rsa_key key;
	char *text;
	size_t n;
	unsigned char sig[GLOW_RSA_MAX_SIG];

	text = strdup(rsa2048_pkcs1);
	text[strlen(text) - 1] = '\0';
	is_int(load(&key, text), GLOW_CRYPTO_OK, "a key without its final newline loads");
	is_str(jwt_12345(&key), jwt2048_12345, "  and signs right");
	free(text);

	text = crlf(rsa2048_pkcs8);
	is_int(load(&key, text), GLOW_CRYPTO_OK, "a key with CRLF line ends loads");
	is_str(jwt_12345(&key), jwt2048_12345, "  and signs right");
	free(text);

	n = strlen(rsa2048_public) + strlen(rsa2048_pkcs1) + 32;
	text = malloc(n);
	snprintf(text, n, "Bag Attributes\n%s%s", rsa2048_public, rsa2048_pkcs1);
	is_int(load(&key, text), GLOW_CRYPTO_OK, "a key after other text and a public key loads");
	is_str(jwt_12345(&key), jwt2048_12345, "  and signs right");
	free(text);

	is_int(load(&key, rsa2048_encrypted_pkcs1), GLOW_CRYPTO_ENCRYPTED,
	    "an encrypted PKCS#1 key (Proc-Type) is refused as encrypted");
	ok(key.sk.n_bitlen == 0 && key.pk.nlen == 0, "  and the key is left empty");
	is_int(load(&key, rsa2048_encrypted_pkcs8), GLOW_CRYPTO_ENCRYPTED,
	    "an encrypted PKCS#8 key is refused as encrypted");
	is_int(load(&key, ec_sec1), GLOW_CRYPTO_NOT_RSA, "an EC key (SEC 1) is refused as not RSA");
	is_int(load(&key, ec_pkcs8), GLOW_CRYPTO_NOT_RSA, "an EC key (PKCS#8) is refused as not RSA");
	is_int(load(&key, ed25519_pkcs8), GLOW_CRYPTO_NOT_RSA, "an Ed25519 key is refused as not RSA");
	is_int(load(&key, rsa2048_public), GLOW_CRYPTO_PUBLIC, "a public key is refused as public");
	is_int(load(&key, rsa1024_pkcs1), GLOW_CRYPTO_KEY_SIZE, "an RSA-1024 key is refused as too small");
	is_int(load(&key, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
	    "-----END OPENSSH PRIVATE KEY-----\n"), GLOW_CRYPTO_OPENSSH,
	    "an OpenSSH key is refused as OpenSSH");
	is_int(load(&key, ""), GLOW_CRYPTO_NO_KEY, "empty text: no key");
	is_int(load(&key, "hello, world\n"), GLOW_CRYPTO_NO_KEY, "plain text: no key");
	is_int(glow_rsa_key_load(&key, "\0\xff\x01-----\x80", 9), GLOW_CRYPTO_NO_KEY,
	    "binary garbage: no key");
	is_int(load(&key, "-----BEGIN RSA PRIVATE KEY-----\nMII!!!\n-----END RSA PRIVATE KEY-----\n"),
	    GLOW_CRYPTO_BAD_PEM, "bad base64 in the armour: damaged PEM");
	is_int(load(&key, "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n"
	    "-----END RSA PRIVATE KEY-----\n"), GLOW_CRYPTO_BAD_KEY, "truncated DER: damaged key");
	is_int(load(&key, "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n"),
	    GLOW_CRYPTO_BAD_PEM, "no END line: damaged PEM");

	/* Offsets from `openssl asn1parse` of the fixture (1192 bytes of DER). */
	text = damaged(1192 - 100);
	is_int(load(&key, text), GLOW_CRYPTO_BAD_KEY, "a key with a damaged modulus is refused");
	free(text);
	text = damaged(1192 - 600);
	is_int(load(&key, text), GLOW_CRYPTO_BAD_KEY, "a key with a damaged prime is refused");
	free(text);
	text = damaged(1192 - 850);
	is_int(load(&key, text), GLOW_CRYPTO_OK, "a key with a damaged CRT exponent loads");
	is_int(glow_rs256_sign(&key, "x", 1, sig, &n), GLOW_CRYPTO_SIGN,
	    "  but its signature fails the check and is not returned");
	ok(n == 0 && glow_ct_equal(sig, (unsigned char[GLOW_RSA_MAX_SIG]){0}, 256),
	    "  (the bad signature was wiped)");
	is_str(jwt_12345(&key), "", "  and it makes no JWT");
	free(text);
	text = damaged(50);
	is_int(load(&key, text), GLOW_CRYPTO_OK, "a key with a damaged CRT coefficient loads");
	is_int(glow_rs256_sign(&key, "x", 1, sig, &n), GLOW_CRYPTO_SIGN,
	    "  but its signature fails the check");
	free(text);
	glow_rsa_key_wipe(&key);
}

static void
test_strerror(void)
{
	const char *s;
	int e, distinct = 1, shaped = 1, f;

	for (e = GLOW_CRYPTO_OK; e <= GLOW_CRYPTO_SIGN; e++) {
		s = glow_crypto_strerror(e);
		if (!*s || s[strlen(s) - 1] == '.' || (s[0] >= 'A' && s[0] <= 'Z'))
			shaped = 0;
		for (f = GLOW_CRYPTO_OK; f < e; f++)
			if (strcmp(s, glow_crypto_strerror(f)) == 0)
				distinct = 0;
	}
	ok(shaped, "every error reads as a lower-case clause without a period");
	ok(distinct, "every error has its own message");
}

int
main(void)
{
	test_b64_vectors();
	test_sha256();
	test_hmac();
	test_ct_hex();
	test_rs256();
	test_pem();
	test_strerror();
	return done_testing();
}
