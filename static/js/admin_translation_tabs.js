// The admin's language tabs (django-modeltranslation, jQuery UI): made accessible once built.
// - jQuery UI puts a link inside each role="tab" item. The link's href goes (it would be a second
//   focusable control inside the tab: WCAG 4.1.2, axe-core's "nested-interactive"); the tab
//   itself keeps the keyboard focus, with the arrow keys between languages, and a click on the
//   label still switches. Every tab of these forms shows a panel of the page, which jQuery UI
//   tells by the href: it is told so here.
// - The switch that shows one language in every tab set gets a name.
(function ($) {
  "use strict";
  const gettext = window.gettext || String;  // the admin's JavaScript catalogue
  $.ui.tabs.prototype._isLocal = function () { return true; };
  $(function () {
    $(".ui-tabs-anchor").each(function () {
      this.removeAttribute("href");
    });
    $("#modeltranslation-main-switch").attr("aria-label", gettext("Language shown in every tab"));
  });
})(django.jQuery);
