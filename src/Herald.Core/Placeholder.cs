namespace Herald.Core;
